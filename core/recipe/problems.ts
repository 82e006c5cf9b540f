// A problem found in a recipe: what is wrong, how bad, and exactly where. The CLI prints these as
// `file:line:col: severity: message`; the extension turns the same objects into diagnostics.
import type { JsonPath, Range } from './sourceMap';

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  severity: Severity;
  /** Stable id of the check (for quick fixes and tests), e.g. 'schema/unknown-key', 'stage/duplicate-id'. */
  code: string;
  message: string;
  path: JsonPath;
  range: Range;
  /** Data a quick fix needs (the replacement key, the stage order to apply, …). */
  fix?: { replacement?: string; insertKey?: string; insertValue?: unknown; [k: string]: unknown };
}

// Control characters from a recipe (an ESC sequence in a name, a newline in a key) would recolour the terminal
// or split one problem over several lines: they are printed escaped, one problem per line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const visible = (text: string): string => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function formatProblem(file: string, p: Problem): string {
  return `${visible(file)}:${p.range.start.line}:${p.range.start.col}: ${p.severity}: ${visible(p.message)}`;
}

/** Where a JSON path points, written the way a user reads it: stages[1].algorithm.lr */
export function describePath(path: JsonPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'the recipe';
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.range.start.offset - b.range.start.offset || a.code.localeCompare(b.code));
}

/** Levenshtein distance, for "did you mean …?" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate if it is plausibly a typo of `word`. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
