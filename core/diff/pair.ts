// Pairs two eval files by prompt_id: the same held-out prompt answered by checkpoint A and checkpoint B.
// Only paired prompts are compared; the rest are counted so a mismatch of sets is never silent.
import { flipClass, type FlipClass } from '../../protocol/diff';
import type { EvalRecord } from '../../protocol/runRecords';

export interface Pair {
  id: string;
  /** Position in A's file. */
  index: number;
  a: EvalRecord;
  b: EvalRecord;
  flip: FlipClass;
}

export interface Pairing {
  pairs: Pair[];
  onlyA: string[];
  onlyB: string[];
  /** Prompt ids whose ground truth differs between the files (the ids name different prompts). */
  mismatched: string[];
}

export function pairRecords(a: readonly EvalRecord[], b: readonly EvalRecord[]): Pairing {
  const byId = new Map<string, EvalRecord>();
  for (const r of b) if (!byId.has(r.prompt_id)) byId.set(r.prompt_id, r);
  const out: Pairing = { pairs: [], onlyA: [], onlyB: [], mismatched: [] };
  const matched = new Set<string>();
  a.forEach((ra, index) => {
    const rb = byId.get(ra.prompt_id);
    if (!rb || matched.has(ra.prompt_id)) {
      if (!rb) out.onlyA.push(ra.prompt_id);
      return;
    }
    matched.add(ra.prompt_id);
    if (ra.ground_truth !== rb.ground_truth) out.mismatched.push(ra.prompt_id);
    out.pairs.push({ id: ra.prompt_id, index, a: ra, b: rb, flip: flipClass(ra.correct, rb.correct) });
  });
  for (const id of byId.keys()) if (!matched.has(id)) out.onlyB.push(id);
  return out;
}
