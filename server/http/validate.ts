import type { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.ts';

/** Parses untrusted input with a schema, or refuses it with a coded error naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'invalid_body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new AppError(code, `Invalid input: ${summary}`, { issues });
}

export const idPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function parseId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !idPattern.test(value)) {
    throw new AppError('invalid_id', `${what} must be lowercase letters, digits and dashes (at most 64).`);
  }
  return value;
}
