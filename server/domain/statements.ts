import { AppError } from '../errors.ts';

/**
 * Statements (issue 13): a speaker attaches the text of their statement to
 * their queue entry, for the interpreters (and moderators) to read before
 * the floor is given. A PDF or plain UTF-8 text, at most 5 MB; the type is
 * decided by the bytes themselves, and must agree with the declared one.
 */
export const statementTypes = ['application/pdf', 'text/plain'] as const;
export type StatementType = (typeof statementTypes)[number];
export const maxStatementBytes = 5 * 1024 * 1024;

/** What the queue entry says about its statement (the bytes are stored apart). */
export interface StatementMeta {
  type: StatementType;
  bytes: number;
  uploadedAt: string;
}

/** The declared media type without parameters, lower case ("text/plain; charset=utf-8" → "text/plain"). */
export function declaredType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The charset parameter of a declared text type, when there is one. */
function declaredCharset(contentType: string | undefined): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase() ?? null;
}

const pdfMagic = Buffer.from('%PDF-', 'latin1');

/** What the bytes are: a PDF (its header), UTF-8 text without control bytes, or neither. */
export function sniffStatement(bytes: Uint8Array): StatementType | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The PDF header may follow a little junk (ISO 32000-1, 7.5.2: readers look in the first 1024 bytes).
  if (buffer.subarray(0, 1024).indexOf(pdfMagic) >= 0) return 'application/pdf';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return null;
  }
  // Control characters other than tab, line feed, form feed and carriage return mean binary.
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text) ? null : 'text/plain';
}

/**
 * The statement's type, or a coded refusal: empty, too large, not a PDF or
 * plain text, or bytes that are not what was declared (a PNG sent as
 * application/pdf; a PDF sent as text/plain).
 */
export function checkStatement(bytes: Uint8Array, contentType: string | undefined): StatementType {
  if (bytes.byteLength > maxStatementBytes) throw new AppError('statement_too_large', `A statement may be at most ${maxStatementBytes} bytes.`);
  const declared = declaredType(contentType);
  if (!(statementTypes as readonly string[]).includes(declared)) {
    throw new AppError('statement_type', 'Send the statement as application/pdf or text/plain.');
  }
  if (bytes.byteLength === 0) throw new AppError('statement_type', 'The statement is empty.');
  const charset = declaredCharset(contentType);
  if (declared === 'text/plain' && charset && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
    throw new AppError('statement_type', 'A text statement must be UTF-8.');
  }
  const actual = sniffStatement(bytes);
  if (actual !== declared) {
    throw new AppError('statement_type', `The file is not ${declared === 'application/pdf' ? 'a PDF' : 'UTF-8 plain text'}.`);
  }
  return actual;
}
