// CSV text for "Export CSV" (RFC 4180: comma, CRLF, quotes doubled). Strings come from run labels and
// stage ids the user or a model wrote, so cells that a spreadsheet would run as a formula are defused.

export type Cell = string | number | null | undefined;

/** One cell: numbers in shortest round-trip form, gaps empty, ±Infinity as inf/-inf (pandas reads them). */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    return String(v);
  }
  // A leading = + - @ (or tab/CR) makes Excel/Sheets evaluate the cell: prefix a quote (OWASP CSV injection).
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}
