// Decides whether an extracted answer equals the ground truth, in the spirit of mathruler's grade_answer (what
// EasyR1 and the paper use): normalise LaTeX and spacing, compare as numbers where both are numbers
// ("3" = "3.0" = "\frac{6}{2}"), and read option letters in any dress ("B" = "(B)" = "b)").

/** Canonical text of an answer: no LaTeX wrappers, units of display or spaces, lower case. */
export function normalizeAnswer(raw: string): string {
  let s = raw.trim();
  // \text{red} → red (repeated: \text{\textbf{B}}); contents never hold braces in our answers
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/\\(?:text|textbf|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}/g, '$1');
  }
  s = s
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\\left|\\right|\\[!,;:]|\\ /g, '')
    .replace(/\^\s*\{?\\circ\}?/g, '')
    .replace(/\\?[$%]/g, '')
    .replace(/\s+/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  // One enclosing pair that wraps a single element: "(b)" → "b", "(3)" → "3" (not tuples like "(1,2)").
  const wrapped = /^\((.*)\)$|^\[(.*)\]$/.exec(s);
  if (wrapped) {
    const inner = wrapped[1] ?? wrapped[2];
    if (!/[,()[\]]/.test(inner)) s = inner;
  }
  // Option letters written "b)", "b." or "b:" (the trailing period is already gone)
  const option = /^([a-z])[):]$/.exec(s);
  return option ? option[1] : s;
}

/** The value of a plain number, a thousands-separated number, a/b or \frac{a}{b}; null for anything else. */
export function numericValue(normalized: string): number | null {
  const s = normalized;
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(s)) return Number(s);
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return Number(s.replace(/,/g, ''));
  const frac = /^([-+]?)(?:\\frac\{([-+]?\d+\.?\d*)\}\{([-+]?\d+\.?\d*)\}|\\frac(\d)(\d)|(\d+)\/(\d+))$/.exec(s);
  if (frac) {
    const num = Number(frac[2] ?? frac[4] ?? frac[6]);
    const den = Number(frac[3] ?? frac[5] ?? frac[7]);
    if (den === 0) return null;
    return (frac[1] === '-' ? -1 : 1) * (num / den);
  }
  return null;
}

export function answersMatch(given: string | null, truth: string): boolean {
  if (given === null) return false;
  const a = normalizeAnswer(given);
  const b = normalizeAnswer(truth);
  if (a === b) return a.length > 0;
  const x = numericValue(a);
  const y = numericValue(b);
  if (x === null || y === null) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}
