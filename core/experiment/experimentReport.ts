// report.json from an experiment's evaluations: per arm and held-out set, each measure's mean ± 95 % interval
// over the seeds whose every arm is done; the paired differences (A − B, each control − B, A − each control)
// seed by seed; arm A's path from the shared warm-up through its stages, each stage end paired with the warm-up.
// Pure: the CLI gathers the eval records.
import type { EvalRecord } from '../../protocol/runRecords';
import { meanCorrectLength, visualErrorBreakdown, ERROR_ANALYSIS_TASK } from '../../protocol/answerStats';
import { mean } from '../../protocol/stats';
import {
  EXPERIMENT_MEASURES, EXPERIMENT_SETS, type ExperimentMeasure, type ExperimentReport, type ExperimentSet, type MeasureStats,
  type PairedComparison, type SeedStat,
} from '../../protocol/experiment';
import type { ExperimentPlan } from './experimentPlan';
import { pairedSeeds, summarizeSeeds, type SeedSummary } from './seedStats';

/** One checkpoint's answers per held-out set. */
export type SetAnswers = Partial<Record<ExperimentSet, readonly EvalRecord[]>>;

export interface RunResults {
  arm: string;
  seed: number;
  runDir: string | null;
  /** The final checkpoint's answers (absent until evaluated). */
  final?: SetAnswers;
  /** Arm A only: the warm-up's and each stage's last checkpoint, in order. */
  path?: { checkpoint: string; answers: SetAnswers }[];
}

export interface ReportInputs {
  plan: ExperimentPlan;
  evalSize: number;
  evalSeed: number;
  sampling: string;
  backend: string | null;
  wallSeconds: number;
  runs: RunResults[];
  figure: string;
  now?: Date;
}

const LENGTHS: readonly ExperimentMeasure[] = ['correct_length', 'mean_length'];

/** One checkpoint's measures on one set (NaN where not measurable). */
export function scoresOf(set: ExperimentSet, records: readonly EvalRecord[]): Record<ExperimentMeasure, number> {
  const withLength = records.filter((r) => r.length >= 0);
  return {
    accuracy: mean(records.map((r) => (r.correct ? 1 : 0))),
    correct_length: meanCorrectLength(withLength),
    perception_error_share: set === ERROR_ANALYSIS_TASK ? visualErrorBreakdown(records).perceptionShare : NaN,
    mean_length: mean(withLength.map((r) => r.length)),
  };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const toStat = (s: SeedSummary): SeedStat => ({ n: s.n, mean: finiteOrNull(s.mean), half: finiteOrNull(s.half), values: s.values.map(finiteOrNull) });

/** Per seed (plan order) one checkpoint's value of a measure on a set; NaN for seeds not counted. */
type Series = (pick: (r: RunResults) => SetAnswers | undefined, set: ExperimentSet, measure: ExperimentMeasure) => number[];

export function buildReport(x: ReportInputs): ExperimentReport {
  const { plan } = x;
  const runOf = (arm: string, seed: number) => x.runs.find((r) => r.arm === arm && r.seed === seed);
  const done = (r?: RunResults) => !!r?.final && EXPERIMENT_SETS.every((s) => r.final![s]?.length);
  const seedsDone = plan.seeds.filter((seed) => plan.arms.every((a) => done(runOf(a.name, seed))));
  const seriesOf = (arm: string): Series => (pick, set, measure) => plan.seeds.map((seed) => {
    const answers = seedsDone.includes(seed) ? pick(runOf(arm, seed)!)?.[set] : undefined;
    return answers?.length ? scoresOf(set, answers)[measure] : NaN;
  });
  const finalOf = (r: RunResults) => r.final;
  const statsOf = (series: Series, pick: (r: RunResults) => SetAnswers | undefined): Partial<Record<ExperimentSet, MeasureStats>> =>
    Object.fromEntries(EXPERIMENT_SETS.map((set) => [set, Object.fromEntries(EXPERIMENT_MEASURES
      .filter((m) => m !== 'perception_error_share' || set === ERROR_ANALYSIS_TASK)
      .map((m) => [m, toStat(summarizeSeeds(series(pick, set, m)))]))]));

  const arms = plan.arms.map((a) => ({
    name: a.name, role: a.role, description: a.description, recipe: a.recipeFile,
    runs: plan.seeds.map((seed) => runOf(a.name, seed)?.runDir ?? null),
    final: statsOf(seriesOf(a.name), finalOf),
  }));

  const [A, B, ...controls] = plan.arms.map((a) => a.name);
  const pairs: [string, string][] = [[A, B], ...controls.map((c): [string, string] => [c, B]), ...controls.map((c): [string, string] => [A, c])];
  const compare = (first: string, second: string, f: (set: ExperimentSet, m: ExperimentMeasure) => number[], g: (set: ExperimentSet, m: ExperimentMeasure) => number[]) =>
    EXPERIMENT_SETS.flatMap((set) => EXPERIMENT_MEASURES.filter((m) => m !== 'perception_error_share' || set === ERROR_ANALYSIS_TASK).map((measure): PairedComparison => {
      const a = f(set, measure);
      const b = g(set, measure);
      return {
        first, second, set, measure, stat: toStat(pairedSeeds(a, b)),
        ...(LENGTHS.includes(measure) ? { relative: toStat(summarizeSeeds(a.map((v, i) => (b[i] > 0 ? v / b[i] - 1 : NaN)))) } : {}),
      };
    }));
  const paired = pairs.flatMap(([first, second]) => compare(first, second, (set, m) => seriesOf(first)(finalOf, set, m), (set, m) => seriesOf(second)(finalOf, set, m)));

  // Arm A's path: checkpoint labels from the first seed that has one.
  const pathRuns = plan.seeds.map((seed) => runOf(A, seed)).filter((r): r is RunResults => !!r?.path);
  const labels = pathRuns[0]?.path?.map((p) => p.checkpoint) ?? [];
  const pick = (i: number) => (r: RunResults) => (r.path?.[i]?.checkpoint === labels[i] ? r.path[i].answers : undefined);
  const path = labels.map((checkpoint, i) => ({ checkpoint, scores: statsOf(seriesOf(A), pick(i)) }));
  const pathPaired = labels.slice(1).flatMap((checkpoint, k) =>
    compare(checkpoint, labels[0], (set, m) => seriesOf(A)(pick(k + 1), set, m), (set, m) => seriesOf(A)(pick(0), set, m)));

  return {
    experiment: plan.id, updated: (x.now ?? new Date()).toISOString(),
    complete: seedsDone.length === plan.seeds.length && pathRuns.length === plan.seeds.length,
    seeds: plan.seeds, seedsDone,
    setup: {
      warmup: plan.warmup, rlSteps: plan.rlSteps, rlPrompts: plan.rlPrompts, evalSize: x.evalSize, evalSeed: x.evalSeed,
      sampling: x.sampling, backend: x.backend,
    },
    wallSeconds: x.wallSeconds, arms, paired, path, pathPaired, figure: x.figure,
  };
}
