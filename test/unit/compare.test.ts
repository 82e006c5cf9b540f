// The compare core on constructed eval files: pairing, flip classes, accuracy, lengths and their deltas
// must come out exactly; bad lines are positioned and skipped without losing the rest.
import { strict as assert } from 'node:assert';
import { encodeJsonLine } from '../../protocol/jsonLines';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';
import { applyDiffView, flipClass, formatPercentChange, type DiffView } from '../../protocol/diff';
import { parseEvalText } from '../../core/diff/evalFile';
import { compareEvals } from '../../core/diff/comparison';
import { pairedAccuracyDelta } from '../../core/diff/diffSummary';
import { formatSummary } from '../../core/diff/formatDiff';

const header = (checkpoint: string, extra: Partial<EvalHeader> = {}): EvalHeader => ({
  type: 'header', checkpoint, set: 'visual-reasoning:6', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 7,
  created: '2026-01-01T00:00:00Z', ...extra,
});

const rec = (id: string, correct: boolean, length: number, extra: Partial<EvalRecord> = {}): EvalRecord => ({
  type: 'answer', prompt_id: id, task: 'visual-reasoning', prompt: `question ${id}?`, ground_truth: '3',
  response: `<think>${'w '.repeat(length)}</think> \\boxed{${correct ? 3 : 4}}`, answer: correct ? '3' : '4',
  correct, reward: correct ? 1 : 0.1, length, ...extra,
});

const file = (h: EvalHeader | null, records: EvalRecord[]) => [...(h ? [h] : []), ...records].map((r) => encodeJsonLine(r)).join('\n') + '\n';

// A: p1 right, p2 wrong, p3 right, p4 wrong, p5 right, p6 wrong, p7 (A only)
// B: p1 right, p2 right, p3 wrong, p4 wrong, p5 right, p6 right, p8 (B only)
const A = [rec('p1', true, 100), rec('p2', false, 200), rec('p3', true, 50), rec('p4', false, 80), rec('p5', true, 120), rec('p6', false, 90), rec('p7', true, 10)];
const B = [rec('p8', true, 5), rec('p6', true, 60), rec('p5', true, 100), rec('p4', false, 80), rec('p3', false, 75), rec('p2', true, 150), rec('p1', true, 70)];

describe('compare: flip classes, accuracy and lengths on constructed inputs', () => {
  const a = parseEvalText(file(header('staged/visual/step-40'), A), 'a.jsonl');
  const b = parseEvalText(file(header('merged/merged/step-40'), B), 'b.jsonl');
  const c = compareEvals(a, b);

  it('classifies each of the four flip classes', () => {
    assert.equal(flipClass(false, true), 'wrong-to-right');
    assert.equal(flipClass(true, false), 'right-to-wrong');
    assert.equal(flipClass(true, true), 'both-right');
    assert.equal(flipClass(false, false), 'both-wrong');
  });

  it('pairs by prompt_id (order-independent), in A order, counting unpaired prompts', () => {
    assert.deepEqual(c.rows.map((r) => r.id), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    assert.deepEqual(c.rows.map((r) => r.flip), ['both-right', 'wrong-to-right', 'right-to-wrong', 'both-wrong', 'both-right', 'wrong-to-right']);
    assert.equal(c.summary.paired, 6);
    assert.equal(c.summary.onlyA, 1);
    assert.equal(c.summary.onlyB, 1);
    assert.deepEqual(c.summary.flips, { 'wrong-to-right': 2, 'right-to-wrong': 1, 'both-right': 2, 'both-wrong': 1 });
  });

  it('computes accuracy, per-prompt length deltas, mean lengths and the relative change exactly', () => {
    const s = c.summary;
    assert.equal(s.accuracyA, 3 / 6);
    assert.equal(s.accuracyB, 4 / 6);
    assert.equal(s.accuracyDelta, 1 / 6);
    assert.deepEqual(c.rows.map((r) => r.lengthDelta), [-30, -50, 25, 0, -20, -30]);
    assert.equal(s.meanLengthA, (100 + 200 + 50 + 80 + 120 + 90) / 6);
    assert.equal(s.meanLengthB, (70 + 150 + 75 + 80 + 100 + 60) / 6);
    assert.equal(s.lengthRelativeChange, 535 / 640 - 1);
    assert.equal(s.medianLengthDelta, -25);
    assert.equal(s.shorterShare, 4 / 6);
    assert.ok(Math.abs(s.meanRewardA - (3 + 3 * 0.1) / 6) < 1e-12);
    assert.equal(formatPercentChange(s.lengthRelativeChange), '−16.4 %');
  });

  it('length of correct answers and the error analysis of wrong visual answers (hand-computed)', () => {
    const s = c.summary;
    // correct answers, paired prompts only: A p1 100, p3 50, p5 120; B p1 70, p2 150, p5 100, p6 60
    assert.equal(s.meanCorrectLengthA, 270 / 3);
    assert.equal(s.meanCorrectLengthB, 380 / 4);
    assert.ok(Number.isNaN(s.perceptionErrorShareA), 'no perception recorded: not measured');
    // wrong visual answers: A p2 (perception wrong), p4 (right perception: reasoning), p6 (unreadable);
    // B p3 (perception wrong), p4 (perception wrong); a textual answer never counts
    const judged = (rs: EvalRecord[], ok: Record<string, boolean | null>) => rs.map((r) => (r.prompt_id in ok ? { ...r, perception_ok: ok[r.prompt_id] } : r));
    const ja = parseEvalText(file(header('a'), [...judged(A, { p1: true, p2: false, p3: true, p4: true, p5: true, p6: null }), rec('t1', false, 9, { task: 'textual-reasoning' })]), 'a.jsonl');
    const jb = parseEvalText(file(header('b'), [...judged(B, { p1: true, p2: true, p3: false, p4: false, p5: true, p6: true }), rec('t1', false, 9, { task: 'textual-reasoning' })]), 'b.jsonl');
    const e = compareEvals(ja, jb).summary;
    assert.deepEqual([e.visualWrongA, e.perceptionErrorShareA, e.reasoningErrorShareA], [3, 1 / 3, 1 / 3]);
    assert.deepEqual([e.visualWrongB, e.perceptionErrorShareB, e.reasoningErrorShareB], [2, 1, 0]);
    const text = formatSummary(e).join('\n');
    assert.match(text, /visual errors +perception A 33\.3 % +B 100\.0 % +reasoning A 33\.3 % +B 0\.0 % \(of 3 \/ 2 wrong visual-reasoning answers\)/);
    assert.match(text, /correct length +A 90\.0 +B 95\.0 tokens/);
    // the per-task column: perception errors among visual-reasoning's wrong answers; n/a for the textual task
    assert.match(text, /visual-reasoning .* perception errors 33\.3 % → 100\.0 %/);
    assert.match(text, /textual-reasoning .* perception errors n\/a → n\/a/);
  });

  it('gives the paired 95 % interval of the accuracy difference (hand-computed)', () => {
    // b=2, c=1, n=6: var = (3 - 1/6)/36, half = 1.96*sqrt(var)
    const { delta, ci95 } = pairedAccuracyDelta(2, 1, 6);
    const half = 1.96 * Math.sqrt((3 - 1 / 6) / 36);
    assert.equal(delta, 1 / 6);
    assert.ok(Math.abs(ci95[0] - (1 / 6 - half)) < 1e-15 && Math.abs(ci95[1] - (1 / 6 + half)) < 1e-15);
    assert.deepEqual(pairedAccuracyDelta(0, 0, 10), { delta: 0, ci95: [0, 0] });
    assert.ok(Number.isNaN(pairedAccuracyDelta(0, 0, 0).delta));
  });

  it('says when prompts are left out; the text summary carries the same numbers', () => {
    assert.ok(c.summary.warnings.some((w) => w.includes('1 prompt(s) only in A and 1 only in B')));
    const text = formatSummary(c.summary).join('\n');
    assert.match(text, /accuracy +A 50\.0 % +B 66\.7 % +Δ \+16\.7 points/);
    assert.match(text, /wrong → right 2 · right → wrong 1 · both right 2 · both wrong 1/);
    assert.match(text, /mean length +A 106\.7 +B 89\.2 tokens +change of the mean −16\.4 %/);
    assert.match(text, /per prompt +B shorter on 66\.7 % of prompts/);
    assert.match(text, /set visual-reasoning:6 · sampling t=0\.6 top-p=0\.95 n=1 · seed 7/);
  });

  it('filters by flip class and sorts by length change, ties in file order', () => {
    const view = (v: Partial<DiffView>) => applyDiffView(c.rows, { flips: [], sort: 'index', descending: false, ...v }).map((r) => r.id);
    assert.deepEqual(view({ flips: ['wrong-to-right'] }), ['p2', 'p6']);
    assert.deepEqual(view({ flips: ['right-to-wrong', 'both-wrong'] }), ['p3', 'p4']);
    assert.deepEqual(view({ sort: 'length-delta' }), ['p2', 'p1', 'p6', 'p5', 'p4', 'p3']);
    assert.deepEqual(view({ sort: 'length-delta', descending: true }), ['p3', 'p4', 'p5', 'p1', 'p6', 'p2']);
    // relative: p1 -0.3, p2 -0.25, p3 +0.5, p4 0, p5 -1/6, p6 -1/3
    assert.deepEqual(view({ sort: 'relative-length-delta' }), ['p6', 'p1', 'p2', 'p5', 'p4', 'p3']);
    assert.deepEqual(view({ text: 'QUESTION P5' }), ['p5']);
  });

  it('details a row on request: both traces, rewards and a word diff that rebuilds each side', () => {
    const d = c.detail('p3')!;
    assert.equal(d.responseA, A[2].response);
    assert.equal(d.responseB, B[4].response);
    assert.equal(d.segments.filter(([op]) => op !== 1).map(([, t]) => t).join(''), d.responseA);
    assert.equal(d.segments.filter(([op]) => op !== -1).map(([, t]) => t).join(''), d.responseB);
    assert.equal(c.detail('p3'), d, 'cached');
    assert.equal(c.detail('p7'), undefined, 'unpaired prompts have no detail');
  });
});

describe('compare: eval files that are damaged, partial or foreign', () => {
  it('skips unreadable lines with their line numbers and keeps every readable answer', () => {
    const text = [encodeJsonLine(header('x')), encodeJsonLine(rec('a', true, 3)), '{"prompt_id": "b", "resp', '[1,2]',
      encodeJsonLine({ prompt_id: 'c', response: 'r' }), encodeJsonLine(rec('d', false, NaN)), encodeJsonLine(rec('a', false, 9)),
      encodeJsonLine(rec('e', true, 4)), '{"prompt_id":"f","respo'].join('\n');
    const f = parseEvalText(text, 'x.jsonl');
    assert.deepEqual(f.records.map((r) => r.prompt_id), ['a', 'd', 'e']);
    assert.equal(f.records[1].length, 2, 'a NaN length falls back to the word count of the response');
    const probs = f.problems.map((p) => `${p.line} ${p.severity} ${p.message.split(' (')[0].split(';')[0]}`);
    assert.deepEqual(probs, [
      '3 error not valid JSON',
      '4 error expected a JSON object',
      '5 error prompt c: "correct" must be true or false',
      '7 warning prompt a answered twice',
      '9 warning last line is incomplete',
      '6 warning 1 answer(s) have no token "length"',
    ]);
  });

  it('reads a headerless file from an external adapter (numbers as ground truth, no length, no reward)', () => {
    const text = encodeJsonLine({ prompt_id: 'q1', prompt: 'p', ground_truth: 12, response: 'one two three', answer: 12, correct: true }) + '\n';
    const f = parseEvalText(text, 'ext.jsonl');
    assert.equal(f.header, null);
    assert.deepEqual(f.records[0], { type: 'answer', prompt_id: 'q1', task: undefined, prompt: 'p', image: undefined, ground_truth: '12', response: 'one two three', answer: '12', correct: true, reward: 1, length: 3 });
  });

  it('warns when the two files are different sets, different sampling, or name different prompts with one id', () => {
    const a = parseEvalText(file(header('A'), [rec('p1', true, 5)]), 'a');
    const b = parseEvalText(file(header('B', { set: 'perception:6', sampling: { temperature: 0, top_p: 1, n: 1, greedy: true } }), [rec('p1', true, 5, { ground_truth: '9' })]), 'b');
    const w = compareEvals(a, b).summary.warnings.join('\n');
    assert.match(w, /different eval sets: A visual-reasoning:6, B perception:6/);
    assert.match(w, /different sampling: A t=0\.6 top-p=0\.95 n=1, B greedy/);
    assert.match(w, /1 paired prompt id\(s\) have different ground truths \(e\.g\. p1\)/);
  });

  it('reports a comparison with nothing in common instead of dividing by zero silently', () => {
    const s = compareEvals(parseEvalText(file(null, [rec('x', true, 1)]), 'a'), parseEvalText(file(null, [rec('y', true, 1)]), 'b')).summary;
    assert.equal(s.paired, 0);
    assert.ok(Number.isNaN(s.accuracyA) && Number.isNaN(s.lengthRelativeChange));
    assert.ok(s.warnings.some((w) => w.includes('share no prompt ids')));
    assert.match(formatSummary(s).join('\n'), /accuracy +A n\/a/);
  });
});
