// One side (A or B) of a row's word diff, cut into pieces to draw: each piece is kept/removed/added text and
// is also flagged as <think> reasoning, a think tag, or part of a \boxed{} answer. DOM-free (unit-tested);
// the view writes each piece with textContent, never as HTML: model text is untrusted.
import type { DiffOp, DiffSegment } from '../../protocol/diff';
import { highlightResponse } from '../traces/highlight';

export interface Piece {
  text: string;
  /** 0 kept, -1 only in A (removed), 1 only in B (added). */
  op: DiffOp;
  think: boolean;
  tag: boolean;
  boxed: boolean;
}

/** The pieces of side `side`: the diff's runs of that side, split wherever a highlight span starts or ends. */
export function sidePieces(segments: readonly DiffSegment[], side: 'a' | 'b'): Piece[] {
  const skip = side === 'a' ? 1 : -1;
  const runs = segments.filter(([op]) => op !== skip);
  const text = runs.map(([, t]) => t).join('');
  const spans = highlightResponse(text);
  const out: Piece[] = [];
  let r = 0;
  let rOff = 0; // characters of runs[r] already emitted
  for (const span of spans) {
    let left = span.text.length;
    while (left > 0 && r < runs.length) {
      const [op, t] = runs[r];
      const take = Math.min(left, t.length - rOff);
      const piece = t.slice(rOff, rOff + take);
      const last = out[out.length - 1];
      if (last && last.op === op && last.think === span.think && last.tag === span.tag && last.boxed === span.boxed) last.text += piece;
      else out.push({ text: piece, op, think: span.think, tag: span.tag, boxed: span.boxed });
      left -= take;
      rOff += take;
      if (rOff === t.length) {
        r++;
        rOff = 0;
      }
    }
  }
  return out;
}
