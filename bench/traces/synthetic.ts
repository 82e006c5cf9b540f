// Synthetic traces.jsonl for the traces benchmarks: n GRPO groups (a prompt and 4 sampled responses), about
// `tokens` words each in all, written in 4 MB batches as prose (sentences capitalised, "I" frequent). Words are
// real English, drawn with their frequencies in the prose of the installed packages' READMEs
// (node_modules/**/*.md: ~10 k words) — how varied the text is decides how much the search's trigram filters
// can skip, so made-up words would measure something else.
import { openSync, writeSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../trainer/util/rng';

const root = join(__dirname, '../..');

export interface Vocabulary {
  /** Most frequent first. */
  words: string[];
  counts: number[];
  /** Where the words came from (printed by the benchmarks). */
  source: string;
}

let cached: Vocabulary | undefined;

/** Words of the Markdown prose under node_modules (code, inline code and links removed), by frequency. */
export function vocabulary(): Vocabulary {
  if (cached) return cached;
  const counts = new Map<string, number>();
  let files = 0;
  const walk = (d: string, depth: number) => {
    let names: string[] = [];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory() && depth < 6) walk(p, depth + 1);
      else if (st.isFile() && n.endsWith('.md') && st.size < 2e6) {
        files++;
        const text = readFileSync(p, 'utf8').replace(/```[\s\S]*?```/g, ' ').replace(/`[^`]*`/g, ' ').replace(/https?:\/\/\S+/g, ' ');
        for (const w of text.toLowerCase().match(/[a-z]{2,15}/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
  };
  walk(join(root, 'node_modules'), 0);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (sorted.length < 2000) throw new Error(`only ${sorted.length} words in node_modules/**/*.md: run npm ci first`);
  cached = { words: sorted.map((x) => x[0]), counts: sorted.map((x) => x[1]), source: `${sorted.length} English words from ${files} READMEs under node_modules` };
  return cached;
}

/** Draws a word index with the vocabulary's frequencies (inverse CDF by binary search). */
function sampler(v: Vocabulary): (rng: Rng) => number {
  const cdf = new Float64Array(v.counts.length);
  let s = 0;
  v.counts.forEach((c, i) => (cdf[i] = s += c));
  return (rng) => {
    const u = rng.next() * s;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface SyntheticOptions {
  /** Traces to write (or until `bytes` are written, whichever comes first). */
  n: number;
  bytes?: number;
  /** Words per trace (prompt and all responses). */
  tokens?: number;
  stage?: string;
  seed?: number;
  /** Distinct prompts (they recur across steps, as a dataset's do over epochs). */
  prompts?: number;
}

/** Writes n traces to `path` (appending with `append`); returns the bytes written. */
export function writeSyntheticTraces(path: string, o: SyntheticOptions, append = false): number {
  const vocab = vocabulary().words;
  const draw = sampler(vocabulary());
  const rng = new Rng(o.seed ?? 1);
  const tokens = o.tokens ?? 500;
  const stage = o.stage ?? 'textual';
  const prompts = o.prompts ?? 5000;
  // Written as prose is: sentences start with a capital, and "I" is frequent (as in reasoning).
  const words = (k: number) => {
    const out: string[] = [];
    let start = true;
    for (let i = 0; i < k; i++) {
      const r = rng.next();
      let w = r < 0.06 ? `${rng.int(0, 9)}+${rng.int(0, 9)}=${rng.int(0, 18)}` : r < 0.08 ? 'I' : vocab[draw(rng)];
      if (start) w = w[0].toUpperCase() + w.slice(1);
      const end = rng.next();
      start = end < 0.07;
      out.push(start ? `${w}.` : end < 0.12 ? `${w}${rng.pick([',', ';'])}` : w);
    }
    return out.join(' ');
  };
  const fd = openSync(path, append ? 'a' : 'w');
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
    for (let i = 0; i < o.n && bytes + size < (o.bytes ?? Infinity); i++) {
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

/** Appends one trace line of about `bytes` bytes (a response of that many characters), written in pieces. */
export function appendLongLine(path: string, bytes: number): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, '{"step": 5, "time": 0, "stage": "textual", "task": "t", "prompt_id": "huge", "prompt": "p", "ground_truth": "1", "responses": [{"text": "');
    const piece = Buffer.alloc(4 << 20, 'abcdefgh ');
    for (let left = bytes; left > 0; left -= piece.length) writeSync(fd, piece, 0, Math.min(piece.length, left));
    writeSync(fd, '", "reward": 0, "accuracy": 0, "format": 0, "length": 1}]}\n');
  } finally {
    closeSync(fd);
  }
}
