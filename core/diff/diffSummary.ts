// The numbers a comparison of two checkpoints is about: accuracy A vs B with a paired interval, the flips,
// mean response length A vs B with its relative change (the paper's "20.8 % shorter" as one number), the
// length of correct answers, and the paper's error analysis (wrong visual answers: perception vs reasoning).
import { FLIP_CLASSES, type CompareSummary, type EvalSide, type FlipClass, type TaskBreakdown } from '../../protocol/diff';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';
import { meanCorrectLength, visualErrorBreakdown } from '../../protocol/answerStats';
import { mean } from '../../protocol/stats';
import type { EvalFile } from './evalFile';
import type { Pair, Pairing } from './pair';

/** Per-file warnings listed one by one; the rest are counted. */
const MAX_NOTES = 5;

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const zeroFlips = (): Record<FlipClass, number> => Object.fromEntries(FLIP_CLASSES.map((c) => [c, 0])) as Record<FlipClass, number>;

export function describeSampling(h: EvalHeader | null): string {
  if (!h?.sampling) return 'unknown';
  const s = h.sampling;
  return s.greedy || s.temperature === 0 ? 'greedy' : `t=${s.temperature} top-p=${s.top_p} n=${s.n}`;
}

export function evalSide(file: EvalFile, label?: string): EvalSide {
  const h = file.header;
  const base = file.file.split(/[\\/]/).pop() ?? file.file;
  return {
    label: label ?? h?.checkpoint ?? base,
    file: file.file,
    checkpoint: h?.checkpoint ?? 'unknown',
    set: h?.set ?? 'unknown',
    sampling: describeSampling(h),
    seed: typeof h?.seed === 'number' ? h.seed : null,
    prompts: file.records.length,
  };
}

/**
 * Paired difference of two accuracies on the same prompts: (w→r − r→w)/n, with the 95 % normal interval
 * of a difference of paired proportions (only discordant pairs carry variance).
 */
export function pairedAccuracyDelta(wrongToRight: number, rightToWrong: number, n: number): { delta: number; ci95: [number, number] } {
  if (n <= 0) return { delta: NaN, ci95: [NaN, NaN] };
  const delta = (wrongToRight - rightToWrong) / n;
  const variance = Math.max(0, (wrongToRight + rightToWrong) - ((wrongToRight - rightToWrong) ** 2) / n) / (n * n);
  const half = 1.96 * Math.sqrt(variance);
  return { delta, ci95: [delta - half, delta + half] };
}

function breakdown(task: string, pairs: Pair[]): TaskBreakdown {
  const flips = zeroFlips();
  for (const p of pairs) flips[p.flip]++;
  const n = pairs.length;
  return {
    task,
    paired: n,
    accuracyA: (flips['both-right'] + flips['right-to-wrong']) / n,
    accuracyB: (flips['both-right'] + flips['wrong-to-right']) / n,
    meanLengthA: mean(pairs.map((p) => p.a.length)),
    meanLengthB: mean(pairs.map((p) => p.b.length)),
    flips,
    perceptionErrorShareA: visualErrorBreakdown(pairs.map((p) => p.a)).perceptionShare,
    perceptionErrorShareB: visualErrorBreakdown(pairs.map((p) => p.b)).perceptionShare,
  };
}

/** Correct-answer length (records without a length are left out) and the error analysis of one side. */
function answerSide(records: EvalRecord[]) {
  const errors = visualErrorBreakdown(records);
  return { correctLength: meanCorrectLength(records.filter((r) => r.length >= 0)), errors };
}

export function summarize(a: EvalFile, b: EvalFile, pairing: Pairing, labels: { a?: string; b?: string } = {}): CompareSummary {
  const { pairs } = pairing;
  const all = breakdown('all', pairs);
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  const rewardsA = pairs.map((p) => p.a.reward);
  const rewardsB = pairs.map((p) => p.b.reward);
  const deltas = pairs.map((p) => p.b.length - p.a.length);
  const { delta, ci95 } = pairedAccuracyDelta(all.flips['wrong-to-right'], all.flips['right-to-wrong'], pairs.length);

  const tasks = new Map<string, Pair[]>();
  for (const p of pairs) {
    const t = p.a.task ?? p.b.task;
    if (t) (tasks.get(t) ?? tasks.set(t, []).get(t)!).push(p);
  }
  const answersA = answerSide(pairs.map((p) => p.a));
  const answersB = answerSide(pairs.map((p) => p.b));
  const sideA = evalSide(a, labels.a);
  const sideB = evalSide(b, labels.b);
  return {
    a: sideA,
    b: sideB,
    paired: pairs.length,
    onlyA: pairing.onlyA.length,
    onlyB: pairing.onlyB.length,
    accuracyA: all.accuracyA,
    accuracyB: all.accuracyB,
    accuracyDelta: delta,
    accuracyDeltaCi95: ci95,
    meanRewardA: mean(finite(rewardsA)),
    meanRewardB: mean(finite(rewardsB)),
    flips: all.flips,
    meanLengthA: all.meanLengthA,
    meanLengthB: all.meanLengthB,
    lengthRelativeChange: all.meanLengthA > 0 ? all.meanLengthB / all.meanLengthA - 1 : NaN,
    medianLengthDelta: median(deltas),
    shorterShare: pairs.length ? deltas.filter((d) => d < 0).length / pairs.length : NaN,
    meanCorrectLengthA: answersA.correctLength,
    meanCorrectLengthB: answersB.correctLength,
    perceptionErrorShareA: answersA.errors.perceptionShare,
    perceptionErrorShareB: answersB.errors.perceptionShare,
    reasoningErrorShareA: answersA.errors.reasoningShare,
    reasoningErrorShareB: answersB.errors.reasoningShare,
    visualWrongA: answersA.errors.wrong,
    visualWrongB: answersB.errors.wrong,
    byTask: tasks.size > 1 ? [...tasks].sort(([x], [y]) => x.localeCompare(y)).map(([t, ps]) => breakdown(t, ps)) : [],
    warnings: warningsFor(a, b, sideA, sideB, pairing, rewardsA.length - finite(rewardsA).length + rewardsB.length - finite(rewardsB).length),
  };
}

function warningsFor(a: EvalFile, b: EvalFile, sa: EvalSide, sb: EvalSide, pairing: Pairing, nonFiniteRewards: number): string[] {
  const w: string[] = [];
  if (!pairing.pairs.length) w.push('the two eval files share no prompt ids: nothing to compare');
  if (pairing.onlyA.length || pairing.onlyB.length) {
    w.push(`${pairing.onlyA.length} prompt(s) only in A and ${pairing.onlyB.length} only in B are left out`);
  }
  if (pairing.mismatched.length) {
    w.push(`${pairing.mismatched.length} paired prompt id(s) have different ground truths (e.g. ${pairing.mismatched[0]}): are these the same eval set?`);
  }
  if (sa.set !== sb.set) w.push(`different eval sets: A ${sa.set}, B ${sb.set}`);
  if (sa.sampling !== sb.sampling) w.push(`different sampling: A ${sa.sampling}, B ${sb.sampling}`);
  if (a.header && b.header && sa.checkpoint === sb.checkpoint && sa.sampling === sb.sampling && sa.seed === sb.seed && sa.set === sb.set) {
    w.push('A and B are the same checkpoint evaluated the same way');
  }
  if (nonFiniteRewards) w.push(`${nonFiniteRewards} reward(s) are NaN or infinite and are left out of the mean reward`);
  for (const f of [a, b]) {
    const errors = f.problems.filter((p) => p.severity === 'error').length;
    if (errors) w.push(`${f.file}: ${errors} unreadable line(s) skipped (first: line ${f.problems.find((p) => p.severity === 'error')!.line})`);
    const notes = f.problems.filter((p) => p.severity === 'warning');
    for (const p of notes.slice(0, MAX_NOTES)) w.push(`${f.file}:${p.line}: ${p.message}`);
    if (notes.length > MAX_NOTES) w.push(`${f.file}: ${notes.length - MAX_NOTES} more warning(s)`);
  }
  return w;
}
