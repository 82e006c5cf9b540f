// Synthetic traces.jsonl for the traces benchmarks: n GRPO groups (a prompt and 4 sampled responses), about
// `tokens` words each in all, words drawn Zipf-like from a 30 k pseudo-word vocabulary (as varied as real
// reasoning text, which is what the search's Bloom filters are sensitive to), written in 4 MB batches.
import { openSync, writeSync, closeSync } from 'node:fs';
import { Rng } from '../../trainer/util/rng';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'pi', 'da', 'ge', 'ho', 'ju', 'be', 'fi', 'qu', 'zo', 'wy', 'xe', 'ci'];
const COMMON = ['the', 'so', 'is', 'and', 'of', 'there', 'are', 'red', 'blue', 'count', 'then', 'total', 'answer', 'left', 'which'];

/** The vocabulary, most frequent first (rank r is drawn with weight 1/(r+1)). */
export function vocabulary(size = 30_000, seed = 7): string[] {
  const rng = new Rng(seed);
  const seen = new Set<string>(COMMON);
  const out = [...COMMON];
  while (out.length < size) {
    let w = '';
    for (let k = rng.int(2, 4); k > 0; k--) w += rng.pick(SYLLABLES);
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

/** Zipf(1) sampler over ranks [0, n): inverse CDF on the harmonic series, by binary search. */
function zipf(n: number): (rng: Rng) => number {
  const cdf = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < n; r++) cdf[r] = s += 1 / (r + 1);
  return (rng) => {
    const u = rng.next() * s;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface SyntheticOptions {
  n: number;
  /** Words per trace (prompt and all responses). */
  tokens?: number;
  stage?: string;
  seed?: number;
  /** Distinct prompts (they recur across steps, as a dataset's do over epochs). */
  prompts?: number;
}

/** Writes n traces to `path`; returns the bytes written. */
export function writeSyntheticTraces(path: string, o: SyntheticOptions): number {
  const vocab = vocabulary();
  const draw = zipf(vocab.length);
  const rng = new Rng(o.seed ?? 1);
  const tokens = o.tokens ?? 500;
  const stage = o.stage ?? 'textual';
  const prompts = o.prompts ?? 5000;
  const words = (k: number) => {
    const out: string[] = [];
    for (let i = 0; i < k; i++) {
      const r = rng.next();
      out.push(r < 0.06 ? `${rng.int(0, 9)}+${rng.int(0, 9)}=${rng.int(0, 18)}` : r < 0.12 ? vocab[draw(rng)] + rng.pick(['.', ',', ';']) : vocab[draw(rng)]);
    }
    return out.join(' ');
  };
  const fd = openSync(path, 'w');
  let bytes = 0;
  let batch: string[] = [];
  let size = 0;
  const flush = () => {
    const buf = Buffer.from(batch.join(''));
    writeSync(fd, buf);
    bytes += buf.length;
    batch = [];
    size = 0;
  };
  try {
    for (let i = 0; i < o.n; i++) {
      const truth = rng.int(0, 12);
      const per = Math.round((tokens - 40) / 4);
      const responses = [0, 1, 2, 3].map(() => {
        const ans = rng.next() < 0.4 ? truth : rng.int(0, 12);
        const len = rng.int(Math.round(per * 0.6), Math.round(per * 1.4));
        const reward = (ans === truth ? 0.9 : 0) + 0.1;
        return { text: `<think>${words(len)}</think> \\boxed{${ans}}`, reward, accuracy: ans === truth ? 1 : 0, format: 1, length: len + 4, answer: String(ans) };
      });
      const mean = responses.reduce((s, r) => s + r.reward, 0) / 4;
      const sd = Math.sqrt(responses.reduce((s, r) => s + (r.reward - mean) ** 2, 0) / 4) || 1;
      const pid = rng.int(0, prompts - 1);
      const rec = {
        step: Math.floor(i / 8), global_step: Math.floor(i / 8), time: 1.7e9 + i, stage, task: 'visual-reasoning', prompt_id: `visual/train/${pid}`,
        prompt: `Q${pid}: ${words(36)}?`, ground_truth: String(truth),
        responses: responses.map((r) => ({ ...r, advantage: +((r.reward - mean) / sd).toFixed(4) })),
      };
      const line = JSON.stringify(rec) + '\n';
      batch.push(line);
      size += line.length;
      if (size > 4 << 20) flush();
    }
    if (batch.length) flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}
