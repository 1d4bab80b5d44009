/**
 * CSV for spreadsheets (RFC 4180, CRLF, UTF-8 with BOM so Excel reads
 * Chinese names). Every cell is quoted, and a cell a spreadsheet would take
 * for a formula (= + - @, tab, CR) is prefixed with an apostrophe (OWASP's
 * advice against CSV injection).
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
