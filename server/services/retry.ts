import { AppError } from '../errors.ts';
import { StoreConflictError } from '../store/port.ts';

/**
 * The one retry policy for compare-and-set writes. A conflict means another
 * process (or request) changed the document between our read and our write,
 * so it made progress; we re-read and re-apply. Backoff is random and grows
 * so that two processes hammering one session's document stop colliding in
 * lockstep. After `attempts` tries the caller gets a coded 409 `conflict`.
 */
export interface RetryPolicy {
  attempts: number;
  /** Upper bound of the random wait before try n (ms): min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 20, baseDelayMs: 2, maxDelayMs: 50 };

export async function retryOnConflict<T>(task: () => Promise<T>, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      if (attempt >= policy.attempts) {
        throw new AppError('conflict', 'Too many simultaneous changes; please try again.');
      }
      const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * bound));
    }
  }
}
