import type { AppError } from '../errors.ts';
import type { Lang } from './languages.ts';
import { errorMessages } from './catalogs/errors.ts';
import { delegateMessages } from './catalogs/delegate.ts';
import { interpolate } from './format.ts';

/**
 * What a refusal says to a person, in their language: the error code's
 * message, and for invalid input one line per field ("语言：请从提供的选项中
 * 选择") instead of the schema's English. The English `message` of an
 * AppError stays for API clients and logs; pages show this.
 */
export type Problem = 'required' | 'tooLong' | 'tooShort' | 'choice' | 'format' | 'invalid';

/** One refused field as validate.ts records it in AppError.details.issues. */
export interface InputIssue {
  path: string;
  message: string;
  problem?: Problem;
}

type FieldKey = Extract<keyof (typeof delegateMessages)['en'], `dl_field_${string}`>;

/** The field's translated name: the last named step of its path (`title.en` → title, `roles.0.role` → role). */
function fieldName(path: string, lang: Lang): string {
  const catalog = delegateMessages[lang] as Record<FieldKey, string>;
  const steps = path.split('.').filter((step) => !/^\d+$/.test(step) && !/^(zh|en|fr|ru|es|ar)$/.test(step));
  for (const step of steps.reverse()) {
    const key = `dl_field_${step}` as FieldKey;
    if (key in catalog) return catalog[key];
  }
  return catalog.dl_field_other;
}

export function issuesOf(error: AppError): InputIssue[] {
  const issues = (error.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is InputIssue => typeof i === 'object' && i !== null && typeof (i as InputIssue).path === 'string');
}

/** One translated line per refused field (each field once), empty when the refusal is not about fields. */
export function fieldProblems(error: AppError, lang: Lang): string[] {
  const catalog = delegateMessages[lang];
  const lines = new Map<string, string>();
  for (const issue of issuesOf(error)) {
    const field = fieldName(issue.path, lang);
    if (lines.has(field)) continue;
    const problem = catalog[`dl_problem_${issue.problem ?? 'invalid'}`];
    lines.set(field, interpolate(catalog.dl_fieldProblem, { field, problem }, lang));
  }
  return [...lines.values()];
}

/** The refusal in one line: the code's message, then the fields ("操作失败" pages and notices). */
export function describeError(error: AppError, lang: Lang): { summary: string; fields: string[]; text: string } {
  const summary = errorMessages[lang][error.code];
  const fields = fieldProblems(error, lang);
  const separator = lang === 'zh' ? '；' : '; ';
  return { summary, fields, text: fields.length > 0 ? `${summary} ${fields.join(separator)}` : summary };
}
