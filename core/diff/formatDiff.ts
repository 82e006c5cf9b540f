// The comparison summary as plain text lines: what `see2think diff` prints, the same numbers the panel
// shows (both are drawn from one CompareSummary).
import { FLIP_CLASSES, FLIP_LABELS, formatPercentChange, type CompareSummary } from '../../protocol/diff';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
const points = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}` : 'n/a');
const num = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(1)}` : 'n/a');

export function formatSummary(s: CompareSummary): string[] {
  const lines = [
    `A  ${s.a.label}  (${s.a.file})`,
    `B  ${s.b.label}  (${s.b.file})`,
    s.a.set === s.b.set && s.a.sampling === s.b.sampling
      ? `set ${s.a.set} · sampling ${s.a.sampling} · seed ${s.a.seed ?? '?'}${s.a.seed !== s.b.seed ? `/${s.b.seed ?? '?'}` : ''}`
      : `set ${s.a.set} / ${s.b.set} · sampling ${s.a.sampling} / ${s.b.sampling}`,
    `paired prompts  ${s.paired}  (only in A: ${s.onlyA}, only in B: ${s.onlyB})`,
    `accuracy        A ${pct(s.accuracyA)}   B ${pct(s.accuracyB)}   Δ ${points(s.accuracyDelta)} points (95 % CI ${points(s.accuracyDeltaCi95[0])} … ${points(s.accuracyDeltaCi95[1])})`,
    `flips           ${FLIP_CLASSES.map((c) => `${FLIP_LABELS[c]} ${s.flips[c]}`).join(' · ')}`,
    // Two different numbers, each named: the mean can grow while most prompts get shorter (a few much longer).
    `mean length     A ${num(s.meanLengthA)}   B ${num(s.meanLengthB)} tokens   change of the mean ${formatPercentChange(s.lengthRelativeChange)}`,
    `per prompt      B shorter on ${pct(s.shorterShare)} of prompts · median change ${signed(s.medianLengthDelta)} tokens`,
    `correct length  A ${num(s.meanCorrectLengthA)}   B ${num(s.meanCorrectLengthB)} tokens (mean over correct answers)`,
    `mean reward     A ${num(s.meanRewardA, 3)}   B ${num(s.meanRewardB, 3)}`,
    `visual errors   perception A ${pct(s.perceptionErrorShareA)}   B ${pct(s.perceptionErrorShareB)}   reasoning A ${pct(s.reasoningErrorShareA)}   B ${pct(s.reasoningErrorShareB)} ` +
      `(of ${s.visualWrongA} / ${s.visualWrongB} wrong visual-reasoning answers)`,
  ];
  if (s.byTask.length) {
    lines.push('by task');
    const w = Math.max(...s.byTask.map((t) => t.task.length));
    for (const t of s.byTask) {
      lines.push(`  ${t.task.padEnd(w)}  n ${String(t.paired).padStart(5)}   accuracy ${pct(t.accuracyA)} → ${pct(t.accuracyB)}   ` +
        `length ${num(t.meanLengthA)} → ${num(t.meanLengthB)}   w→r ${t.flips['wrong-to-right']} r→w ${t.flips['right-to-wrong']}   ` +
        `perception errors ${pct(t.perceptionErrorShareA)} → ${pct(t.perceptionErrorShareB)}`);
    }
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines;
}
