// Word-level diff of two reasoning traces (the `diff` package's word tokenizer, whitespace kept), as
// segments from which each side is rebuilt exactly. Very different traces are shown whole (coarse)
// instead of spending seconds on an edit script nobody can read.
import { diffWordsWithSpace } from 'diff';
import type { DiffSegment } from '../../protocol/compare';

/** Edit distance (in tokens) beyond which a word diff is not worth computing or reading. */
export const MAX_EDIT_TOKENS = 1500;

export interface WordDiff {
  segments: DiffSegment[];
  coarse: boolean;
}

export function wordDiff(a: string, b: string, maxEditTokens = MAX_EDIT_TOKENS): WordDiff {
  if (a === b) return { segments: a ? [[0, a]] : [], coarse: false };
  const changes = diffWordsWithSpace(a, b, { maxEditLength: maxEditTokens });
  if (!changes) {
    const segments: DiffSegment[] = [];
    if (a) segments.push([-1, a]);
    if (b) segments.push([1, b]);
    return { segments, coarse: true };
  }
  const segments: DiffSegment[] = [];
  for (const c of changes) {
    if (!c.value) continue;
    const op = c.added ? 1 : c.removed ? -1 : 0;
    const last = segments[segments.length - 1];
    if (last && last[0] === op) last[1] += c.value;
    else segments.push([op, c.value]);
  }
  return { segments, coarse: false };
}

/** One side's text rebuilt from the segments (A: kept + removed; B: kept + added). */
export function sideText(segments: readonly DiffSegment[], side: 'a' | 'b'): string {
  const skip = side === 'a' ? 1 : -1;
  return segments.filter(([op]) => op !== skip).map(([, t]) => t).join('');
}
