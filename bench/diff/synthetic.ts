// Synthetic eval files for the diff benchmark: N prompts answered by two checkpoints, B's reasoning an
// edited (and mostly shorter) copy of A's, some rewritten from scratch — like two stages of one model.
import { Rng } from '../../trainer/util/rng';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';

const WORDS = ['the', 'red', 'blue', 'green', 'circle', 'square', 'triangle', 'count', 'left', 'right', 'row', 'so', 'then',
  'total', 'remove', 'add', 'more', 'than', 'which', 'is', 'there', 'are', 'objects', 'in', 'image', 'first', 'next', 'answer'];

function sentence(rng: Rng): string {
  const n = rng.int(6, 14);
  const w = Array.from({ length: n }, () => (rng.next() < 0.15 ? `${rng.int(0, 9)}+${rng.int(0, 9)}=${rng.int(0, 18)}` : rng.pick(WORDS)));
  return w.join(' ') + rng.pick(['.', ',', ';', '.']);
}

/** A reasoning trace of about `tokens` word/punctuation tokens, in the paper's answer format. */
function trace(rng: Rng, tokens: number, answer: string): string {
  const parts: string[] = [];
  let count = 0;
  while (count < tokens) {
    const s = sentence(rng);
    parts.push(s);
    count += s.split(' ').length + 1;
  }
  return `<think>${parts.join(' ')}</think> \\boxed{${answer}}`;
}

function edit(rng: Rng, text: string, answer: string): string {
  const body = text.slice('<think>'.length, text.indexOf('</think>'));
  const kept = body.split(/(?<=[.;,]) /).filter(() => rng.next() > 0.22)
    .map((s) => s.split(' ').map((w) => (rng.next() < 0.04 ? rng.pick(WORDS) : w)).join(' '));
  return `<think>${kept.join(' ')}</think> \\boxed{${answer}}`;
}

export function syntheticEvals(n: number, tokens: number, seed = 1): { a: string; b: string } {
  const rng = new Rng(seed);
  const header = (checkpoint: string): EvalHeader => ({ type: 'header', checkpoint, set: `visual-reasoning:${n}`,
    sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 1, created: new Date(0).toISOString() });
  const linesA = [JSON.stringify(header('bench/merged/step-930'))];
  const linesB = [JSON.stringify(header('bench/visual/step-930'))];
  for (let i = 0; i < n; i++) {
    const truth = String(rng.int(0, 12));
    const okA = rng.next() < 0.55;
    const okB = rng.next() < (okA ? 0.85 : 0.3);
    const ansA = okA ? truth : String(rng.int(0, 12));
    const ansB = okB ? truth : String(rng.int(0, 12));
    const ra = trace(rng, rng.int(Math.round(tokens * 0.8), Math.round(tokens * 1.2)), ansA);
    const rb = rng.next() < 0.15 ? trace(rng, rng.int(Math.round(tokens * 0.6), tokens), ansB) : edit(rng, ra, ansB);
    const base = { prompt_id: `visual-reasoning/val/${String(i).padStart(5, '0')}`, task: 'visual-reasoning',
      prompt: `Remove all red objects. How many objects are left? (#${i})`, ground_truth: truth };
    const rec = (response: string, answer: string, correct: boolean): EvalRecord => ({ type: 'answer', ...base, response, answer, correct,
      reward: (correct ? 0.9 : 0) + 0.1, length: response.split(/\s+|(?=[.,;])/).length });
    linesA.push(JSON.stringify(rec(ra, ansA, ansA === truth)));
    linesB.push(JSON.stringify(rec(rb, ansB, ansB === truth)));
  }
  return { a: linesA.join('\n') + '\n', b: linesB.join('\n') + '\n' };
}
