import { AppError } from '../errors.ts';
import { StoreConflictError } from '../store/port.ts';

/** Re-runs a read-modify-write when another process changed the document in between. */
export async function retryOnConflict<T>(task: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await task();
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      if (i >= attempts) throw new AppError('conflict', 'Too many simultaneous changes; please try again.');
      await new Promise((r) => setTimeout(r, Math.random() * 10 * i));
    }
  }
}
