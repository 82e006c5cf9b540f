// A comparison of two eval files, built for a panel that shows a summary and a long list at once: the
// summary and the compact rows are computed eagerly (cheap), the word diffs only for rows someone opens.
import type { CompareSummary, DiffRow, DiffRowDetail } from '../../protocol/diff';
import type { EvalFile } from './evalFile';
import { pairRecords, type Pair } from './pair';
import { summarize } from './diffSummary';
import { wordDiff } from './wordDiff';

/** Characters of the prompt kept in a compact row (the detail has all of it). */
export const PROMPT_PREVIEW = 160;

export interface Comparison {
  summary: CompareSummary;
  /** Every paired prompt, in A's file order. */
  rows: DiffRow[];
  pair(id: string): Pair | undefined;
  /** Both traces and their word diff (computed on first request, then cached). */
  detail(id: string): DiffRowDetail | undefined;
}

export interface CompareOptions {
  labels?: { a?: string; b?: string };
  /** Turns a record's `image` (data: URI, or a path relative to its eval file) into something displayable. */
  resolveImage?: (image: string, evalFile: string) => string | undefined;
}

export function toRow(p: Pair): DiffRow {
  return {
    id: p.id,
    index: p.index,
    task: p.a.task ?? p.b.task,
    flip: p.flip,
    lengthA: p.a.length,
    lengthB: p.b.length,
    lengthDelta: p.b.length - p.a.length,
    answerA: p.a.answer,
    answerB: p.b.answer,
    groundTruth: p.a.ground_truth,
    prompt: p.a.prompt.length > PROMPT_PREVIEW ? p.a.prompt.slice(0, PROMPT_PREVIEW - 1) + '…' : p.a.prompt,
  };
}

export function compareEvals(a: EvalFile, b: EvalFile, options: CompareOptions = {}): Comparison {
  const pairing = pairRecords(a.records, b.records);
  const byId = new Map(pairing.pairs.map((p) => [p.id, p]));
  const cache = new Map<string, DiffRowDetail>();
  const image = (p: Pair): string | undefined => {
    if (p.a.image) return options.resolveImage ? options.resolveImage(p.a.image, a.file) : p.a.image;
    if (p.b.image) return options.resolveImage ? options.resolveImage(p.b.image, b.file) : p.b.image;
    return undefined;
  };
  return {
    summary: summarize(a, b, pairing, options.labels),
    rows: pairing.pairs.map(toRow),
    pair: (id) => byId.get(id),
    detail(id) {
      const hit = cache.get(id);
      if (hit) return hit;
      const p = byId.get(id);
      if (!p) return undefined;
      const { segments, coarse } = wordDiff(p.a.response, p.b.response);
      const detail: DiffRowDetail = {
        id,
        prompt: p.a.prompt,
        imageUri: image(p),
        responseA: p.a.response,
        responseB: p.b.response,
        rewardA: p.a.reward,
        rewardB: p.b.reward,
        segments,
        ...(coarse ? { coarse } : {}),
      };
      cache.set(id, detail);
      return detail;
    },
  };
}
