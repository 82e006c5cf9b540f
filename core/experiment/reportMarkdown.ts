// report.md: the experiment's report.json as a reader wants it — setup and cost first, then each arm's held-out
// scores (mean ± 95 % interval over seeds), the paired A − B difference that answers the question, the controls,
// correct-answer lengths, the error analysis, arm A's path through its stages, the figure, and every seed's values.
import {
  EXPERIMENT_SETS, type ExperimentMeasure, type ExperimentReport, type ExperimentSet, type MeasureStats, type PairedComparison, type SeedStat,
} from '../../protocol/experiment';

const SET_TITLE: Record<ExperimentSet, string> = { perception: 'perception', 'textual-reasoning': 'textual reasoning', 'visual-reasoning': 'visual reasoning' };

const digitsOf = (m: ExperimentMeasure) => (m === 'correct_length' || m === 'mean_length' ? 1 : 3);
function show(s: SeedStat | undefined, digits: number, signed = false): string {
  if (!s || s.mean === null) return 'n/a';
  const v = `${signed && s.mean > 0 ? '+' : ''}${s.mean.toFixed(digits)}`;
  return s.half === null ? `${v} (${s.n} seed${s.n === 1 ? '' : 's'})` : `${v} ± ${s.half.toFixed(digits)}`;
}
const pct = (s: SeedStat | undefined) => (s && s.mean !== null ? `${s.mean > 0 ? '+' : ''}${(s.mean * 100).toFixed(1)} %${s.half !== null ? ` ± ${(s.half * 100).toFixed(1)}` : ''}` : 'n/a');
const excludes = (s: SeedStat) => s.mean !== null && s.half !== null && Math.abs(s.mean) > s.half;
const verdict = (s: SeedStat) => (s.mean === null ? 'not measured' : s.half === null ? 'too few seeds for an interval' : excludes(s) ? 'the interval excludes 0' : 'the interval contains 0');

export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : m ? `${m} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s` : `${Math.round(seconds)} s`;
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: string[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)];

function measureTable(r: ExperimentReport, measure: ExperimentMeasure, sets: readonly ExperimentSet[] = EXPERIMENT_SETS): string[] {
  return table(['arm', ...sets.map((s) => SET_TITLE[s])], r.arms.map((a) => [a.name, ...sets.map((s) => show(a.final[s]?.[measure], digitsOf(measure)))]));
}

const find = (r: ExperimentReport, first: string, second: string, set: ExperimentSet, measure: ExperimentMeasure): PairedComparison | undefined =>
  r.paired.find((p) => p.first === first && p.second === second && p.set === set && p.measure === measure);

function pairTable(r: ExperimentReport, first: string, second: string): string[] {
  return table(['set', 'accuracy', 'correct-answer length (tokens)', 'relative', 'perception-error share'], EXPERIMENT_SETS.map((set) => {
    const len = find(r, first, second, set, 'correct_length');
    return [SET_TITLE[set], show(find(r, first, second, set, 'accuracy')?.stat, 3, true), show(len?.stat, 1, true), pct(len?.relative),
      set === 'visual-reasoning' ? show(find(r, first, second, set, 'perception_error_share')?.stat, 3, true) : '—'];
  }));
}

function pathTable(r: ExperimentReport): string[] {
  const cell = (s: Partial<Record<ExperimentSet, MeasureStats>>, set: ExperimentSet, m: ExperimentMeasure) => show(s[set]?.[m], digitsOf(m));
  return table(['checkpoint', 'perception acc.', 'textual acc.', 'visual acc.', 'visual correct length', 'visual perception-error share'],
    r.path.map((p) => [p.checkpoint, cell(p.scores, 'perception', 'accuracy'), cell(p.scores, 'textual-reasoning', 'accuracy'),
      cell(p.scores, 'visual-reasoning', 'accuracy'), cell(p.scores, 'visual-reasoning', 'correct_length'), cell(p.scores, 'visual-reasoning', 'perception_error_share')]));
}

function pathDeltaTable(r: ExperimentReport): string[] {
  const at = (checkpoint: string, m: ExperimentMeasure) => r.pathPaired.find((p) => p.first === checkpoint && p.set === 'visual-reasoning' && p.measure === m);
  return table(['checkpoint', 'accuracy', 'correct-answer length', 'relative', 'perception-error share'], r.path.slice(1).map((p) => [
    `${p.checkpoint} − ${r.path[0].checkpoint}`, show(at(p.checkpoint, 'accuracy')?.stat, 3, true), show(at(p.checkpoint, 'correct_length')?.stat, 1, true),
    pct(at(p.checkpoint, 'correct_length')?.relative), show(at(p.checkpoint, 'perception_error_share')?.stat, 3, true),
  ]));
}

function perSeed(r: ExperimentReport): string[] {
  const fmt = (v: number | null, d: number) => (v === null ? '—' : v.toFixed(d));
  return table(['arm', 'set', ...r.seeds.map((s) => `seed ${s}`)], r.arms.flatMap((a) => EXPERIMENT_SETS.map((set) => [
    a.name, SET_TITLE[set], ...r.seeds.map((_, i) => {
      const acc = a.final[set]?.accuracy?.values[i] ?? null;
      const len = a.final[set]?.correct_length?.values[i] ?? null;
      return acc === null ? '—' : `${fmt(acc, 3)} / ${fmt(len, 1)}`;
    }),
  ])));
}

export function reportMarkdown(r: ExperimentReport): string {
  const [A, B, ...controls] = r.arms;
  const headline = find(r, A.name, B.name, 'visual-reasoning', 'accuracy');
  const lengthHeadline = find(r, A.name, B.name, 'visual-reasoning', 'correct_length');
  const lines: string[] = [
    `# Experiment ${r.experiment}: ${A.name} vs ${B.name}`,
    '',
    r.complete ? `Complete: ${r.seeds.length} seeds per arm.` : `In progress: ${r.seedsDone.length} of ${r.seeds.length} seeds done (the statistics below use those).`,
    `Wall time ${duration(r.wallSeconds)} (backend ${r.setup.backend ?? 'unknown'}); updated ${r.updated}.`,
    '',
    `Setup: per seed one warm-up (\`${r.setup.warmup.id}\`, ${r.setup.warmup.steps} SFT steps) shared by every arm; then each arm takes ` +
      `${r.setup.rlSteps} RL steps on ${r.setup.rlPrompts} prompts. Every final checkpoint answers the three held-out sets ` +
      `(${r.setup.evalSize} prompts each) at ${r.setup.sampling} with sampling seed ${r.setup.evalSeed}: the same prompts and draws for ` +
      'every arm, so arms are compared seed by seed. Intervals are 95 % Student-t intervals over seeds.',
    '',
    '## Arms',
    '',
    ...table(['arm', 'role', 'what it is'], r.arms.map((a) => [a.name, a.role, a.description])),
    '',
    `## ${A.name} − ${B.name}, paired by seed`,
    '',
    headline ? `Visual reasoning accuracy: ${show(headline.stat, 3, true)} (${verdict(headline.stat)}); correct answers ` +
      `${pct(lengthHeadline?.relative)} in length (${lengthHeadline ? verdict(lengthHeadline.stat) : 'not measured'}).` : '',
    '',
    ...pairTable(r, A.name, B.name),
    '',
    '## Accuracy on the held-out sets (final checkpoints)',
    '',
    ...measureTable(r, 'accuracy'),
    '',
    '## Response length on correct answers (tokens)',
    '',
    ...measureTable(r, 'correct_length'),
    '',
    '## Error analysis: share of wrong visual-reasoning answers whose stated perception was wrong',
    '',
    'The rest stated the right perception and got the arithmetic wrong, or stated none readable.',
    '',
    ...measureTable(r, 'perception_error_share', ['visual-reasoning']),
    '',
  ];
  if (controls.length) {
    lines.push('## Controls', '');
    for (const c of controls) lines.push(`### ${c.name} − ${B.name}`, '', c.description, '', ...pairTable(r, c.name, B.name), '', `### ${A.name} − ${c.name}`, '', ...pairTable(r, A.name, c.name), '');
  }
  lines.push(`## ${A.name} through its stages`, '', `The shared warm-up, then the end of each of ${A.name}'s stages, on every set.`, '', ...pathTable(r), '',
    `Each stage end minus the warm-up, paired by seed (visual reasoning):`, '', ...pathDeltaTable(r), '',
    '## Response length during RL', '', `![response length](${r.figure})`, '',
    `Mean sampled response length per RL step (training rollouts), averaged over seeds, per arm; dashed lines: where ${A.name}'s stages end.`, '',
    '## Per seed (accuracy / correct-answer length)', '', ...perSeed(r), '');
  return lines.join('\n');
}
