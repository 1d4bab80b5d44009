import type { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.ts';
import type { InputIssue, Problem } from '../i18n/error-text.ts';

/**
 * What kind of problem a schema issue is, so pages can say it in the
 * viewer's language (i18n/error-text.ts) instead of zod's English.
 */
function problemOf(issue: z.core.$ZodIssue, input: unknown): Problem {
  switch (issue.code) {
    case 'invalid_type':
    case 'custom':
      // A missing value, or a rule that needs one (an interpreter's language), is required; zod leaves the value out of its issues.
      return missing(issue.path, input) ? 'required' : 'invalid';
    case 'too_small':
      return issue.origin === 'string' && issue.minimum === 1 ? 'required' : 'tooShort';
    case 'too_big':
      return 'tooLong';
    case 'invalid_value':
      return 'choice';
    case 'invalid_format':
      return 'format';
    default:
      return 'invalid';
  }
}

function missing(path: readonly PropertyKey[], input: unknown): boolean {
  const given = path.reduce<unknown>((at, step) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[step] : undefined), input);
  return given === undefined || given === null || given === '';
}

/** Parses untrusted input with a schema, or refuses it with a coded error naming the fields (and the kind of problem with each). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'invalid_body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: InputIssue[] = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, problem: problemOf(i, value) }));
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
