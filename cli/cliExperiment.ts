// `see2think experiment <recipe A> <recipe B> --seeds N`: both arms (and B's controls) for every seed, each an
// ordinary run directory (`see2think run` does the training; run.json's group names experiment, arm and seed),
// all from one shared warm-up per seed; then every final checkpoint — and arm A's warm-up and stage ends — answers
// the three held-out sets with one sampling seed, and report.md / report.json / response_length.png are written
// to <runs>/experiments/<id>/. Run it again to continue a killed or paused experiment: finished runs and
// evaluations are reused, interrupted stages resume from their checkpoints.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { RUN_FILES } from '../protocol/runRecords';
import { EXPERIMENT_SETS, type ExperimentStreamRecord } from '../protocol/experiment';
import { encodeJsonLine } from '../protocol/jsonLines';
import { createRun } from '../core/rundir/runDir';
import { readRunMeta, readStageStatus, stagePath } from '../core/rundir/runDirReader';
import { writeFileAtomic } from '../core/rundir/runDirWriter';
import { latestCheckpoint } from '../core/rundir/checkpointPaths';
import { recordStageEnd } from '../core/rundir/settleStage';
import { processAlive } from '../core/launch/local';
import { parseEvalText } from '../core/diff/evalFile';
import { planExperiment, runIdOf, ExperimentError, type ArmPlan, type ExperimentPlan } from '../core/experiment/experimentPlan';
import { ExperimentState } from '../core/experiment/experimentState';
import { shareWarmup } from '../core/experiment/shareWarmup';
import { buildReport, type RunResults, type SetAnswers } from '../core/experiment/experimentReport';
import { reportMarkdown, duration } from '../core/experiment/reportMarkdown';
import { drawLengthFigure } from '../core/experiment/lengthFigure';
import { meanOverRuns, runLengths } from '../core/experiment/runLengths';
import { describeOutcome, evaluateCheckpoint, EvalCancelled } from '../trainer/eval/evaluate';
import { PAPER_VALIDATION, samplingLabel } from '../trainer/eval/spec';
import { UsageError } from './cliValidate';
import { runCommand } from './cliRun';

export const EXPERIMENT_USAGE = `usage: see2think experiment <recipe A> <recipe B> [--seeds N] [options]

  Runs recipe A and recipe B (and B's controls) once per seed from one shared warm-up per seed, with the same
  RL steps and prompts, then evaluates every final checkpoint on the perception, textual-reasoning and
  visual-reasoning held-out sets and writes report.md, report.json and response_length.png to
  <runs>/experiments/<id>/. Run the same command again to continue an interrupted experiment.

  --seeds N         seeds per arm (default 5)
  --id <name>       the experiment's name (default <A>-vs-<B>); its runs are <runs>/<recipe>/<id>-<arm>-s<seed>
  --runs-dir <d>    the runs folder (default: recipe A's runs_dir)
  --eval-size N     prompts per held-out set (default 500)
  --eval-seed N     the evaluation's sampling seed, the same for every checkpoint (default 1)
  --no-controls     only A and B (default: also B with the vision tower the other way, and B with its
                    KL reference reset where A's stages start)
  --budget <min>    stop after this many minutes of work (the running stage checkpoints; exit 75): run again to go on
  --stream          print progress and the outcome as JSON lines (how the extension follows it)`;

interface Args {
  a: string;
  b: string;
  seeds: number;
  id?: string;
  runsDir?: string;
  evalSize: number;
  evalSeed: number;
  controls: boolean;
  budgetMinutes?: number;
  stream: boolean;
}

const whole = (name: string, v: string | undefined, dflt: number, lo: number, hi: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${name}: expected a whole number from ${lo} to ${hi}, got '${v}'`);
  return n;
};

export function parseExperimentArgs(args: string[]): Args | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: {
        seeds: { type: 'string' }, id: { type: 'string' }, 'runs-dir': { type: 'string' }, 'eval-size': { type: 'string' },
        'eval-seed': { type: 'string' }, 'no-controls': { type: 'boolean' }, budget: { type: 'string' }, stream: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${EXPERIMENT_USAGE}`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  if (positionals.length !== 2) throw new UsageError(`experiment needs two recipes (A and B)\n${EXPERIMENT_USAGE}`);
  const budget = v.budget === undefined ? undefined : Number(v.budget);
  if (budget !== undefined && !(budget > 0)) throw new UsageError(`--budget: expected minutes > 0, got '${v.budget}'`);
  return {
    a: positionals[0], b: positionals[1], seeds: whole('--seeds', v.seeds, 5, 1, 100), id: v.id, runsDir: v['runs-dir'],
    evalSize: whole('--eval-size', v['eval-size'], 500, 1, 100000), evalSeed: whole('--eval-seed', v['eval-seed'], 1, 0, 0xffffffff),
    controls: !v['no-controls'], budgetMinutes: budget, stream: !!v.stream,
  };
}

/** Exit codes: 0 done, 1 failed, 75 paused by --budget (run again), 130 interrupted. */
export const PAUSED = 75;

class Stop extends Error {}

export async function experimentCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseExperimentArgs(argv);
  if (args === 'help') {
    out(EXPERIMENT_USAGE);
    return 0;
  }
  const emit = (r: ExperimentStreamRecord) => args.stream && out(encodeJsonLine(r));
  const say = (message: string, level: 'info' | 'warn' | 'error' = 'info') => (args.stream ? emit({ type: 'log', level, message }) : out(message));
  let plan: ExperimentPlan;
  try {
    plan = planExperiment(args.a, args.b, { seeds: args.seeds, id: args.id, runsDir: args.runsDir, controls: args.controls });
  } catch (err) {
    if (err instanceof ExperimentError) throw new UsageError(err.message);
    throw err;
  }
  const state = ExperimentState.open(plan, {
    recipes: [plan.arms[0].recipeFile, plan.arms[1].recipeFile], seeds: args.seeds, controls: args.controls, evalSize: args.evalSize, evalSeed: args.evalSeed,
  });
  say(`experiment ${plan.id}${state.resumed ? ' (continuing)' : ''}: ${plan.arms.map((a) => a.name).join(', ')} × ${plan.seeds.length} seeds → ${plan.dir}`);

  let stop: 'interrupt' | 'budget' | undefined;
  const onSignal = () => {
    stop ??= 'interrupt';
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const budget = args.budgetMinutes ? setTimeout(() => {
    stop = 'budget';
    say(`budget of ${args.budgetMinutes} min spent: stopping (the running stage saves a checkpoint)`);
    // As Ctrl-C would: the running stage (if any) checkpoints and stops.
    process.kill(process.pid, 'SIGINT');
  }, args.budgetMinutes * 60000) : undefined;
  budget?.unref();

  let mark = performance.now();
  const spent = () => {
    const now = performance.now();
    state.addWall((now - mark) / 1000);
    mark = now;
  };
  const checkStop = () => {
    if (stop) throw new Stop(stop);
  };

  const units = plan.seeds.length * plan.arms.length;
  let done = 0;
  const progress = (message: string) => {
    emit({ type: 'progress', done, total: units, message });
    if (!args.stream) out(`[${done}/${units}] ${message}`);
  };
  const results: RunResults[] = [];
  let backend: string | null = null;

  const writeReport = () => {
    const gathered = plan.seeds.flatMap((seed) => plan.arms.map((arm) => results.find((r) => r.arm === arm.name && r.seed === seed)
      ?? { arm: arm.name, seed, runDir: existingRun(plan, arm, seed) }));
    const report = buildReport({
      plan, evalSize: args.evalSize, evalSeed: args.evalSeed, sampling: samplingLabel(PAPER_VALIDATION), backend,
      wallSeconds: state.settings.wallSeconds, runs: gathered, figure: 'response_length.png',
    });
    const png = drawLengthFigure({
      title: 'RESPONSE LENGTH (TOKENS) PER RL STEP, MEAN OVER SEEDS',
      series: plan.arms.map((arm) => ({
        name: arm.name,
        values: meanOverRuns(gathered.filter((r) => r.arm === arm.name && r.runDir).map((r) => runLengths(r.runDir!, arm.rl.map((s) => s.id), plan.warmup.steps, plan.rlSteps))),
      })),
      marks: plan.stageEnds.slice(0, -1).map((e) => ({ step: e.step, label: e.id })),
    });
    writeFileAtomic(state.path('figure'), png);
    writeFileAtomic(state.path('reportJson'), JSON.stringify(report, null, 2) + '\n');
    writeFileAtomic(state.path('reportMd'), reportMarkdown(report));
    return report;
  };

  let code = 0;
  try {
    for (const seed of plan.seeds) {
      for (const arm of plan.arms) {
        checkStop();
        progress(`seed ${seed} · ${arm.name}: training`);
        const runDir = await trainArm(plan, state, arm, seed, (line) => say(`  ${line}`));
        spent();
        checkStop();
        backend ??= readRunMeta(runDir).value?.backend ?? null;
        progress(`seed ${seed} · ${arm.name}: evaluating`);
        results.push(await evaluateArm(plan, arm, runDir, args, () => !!stop, say));
        spent();
        done++;
      }
      const r = writeReport();
      say(`seed ${seed} done: report (${r.seedsDone.length} of ${plan.seeds.length} seeds) at ${state.path('reportMd')}`);
    }
  } catch (err) {
    if (err instanceof Stop || err instanceof EvalCancelled) code = stop === 'budget' ? PAUSED : 130;
    else {
      say(`failed: ${(err as Error).message}`, 'error');
      code = 1;
    }
  } finally {
    if (budget) clearTimeout(budget);
    spent();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = writeReport();
  const pause = code === PAUSED || code === 130 ? `; continue with the same command (${code === PAUSED ? 'paused by --budget' : 'interrupted'})` : '';
  say(`${report.complete ? 'complete' : `${report.seedsDone.length} of ${plan.seeds.length} seeds done`}; wall time ${duration(report.wallSeconds)}; ` +
    `report: ${state.path('reportMd')}${pause}`);
  emit({ type: 'experiment-done', report: state.path('reportJson'), markdown: state.path('reportMd'), complete: report.complete });
  return code;
}

function existingRun(plan: ExperimentPlan, arm: ArmPlan, seed: number): string | null {
  const dir = join(plan.runsDir, arm.recipeName, runIdOf(plan, arm, seed));
  return existsSync(join(dir, RUN_FILES.run)) ? dir : null;
}

/**
 * A stage left 'running' by a process that is gone (the experiment or machine was killed) is marked failed so
 * `run` resumes it; one whose process still runs (a detached stage outliving a killed experiment) is waited for.
 */
async function settleLeftovers(runDir: string, stages: string[], say: (m: string) => void): Promise<void> {
  for (const id of stages) {
    let st = readStageStatus(runDir, id).value;
    while (st?.state === 'running' && st.pid && st.host === hostname() && processAlive(st.pid)) {
      say(`stage ${id} is still running from before (pid ${st.pid}); waiting for it`);
      await new Promise((r) => setTimeout(r, 5000));
      st = readStageStatus(runDir, id).value;
    }
    if (st?.state === 'running') {
      recordStageEnd(runDir, id, st, 'failed', null, null, 'its process was gone when the experiment continued', []);
    }
  }
}

/** Creates (or continues) the arm's run for a seed and trains it to the end with `see2think run`. */
async function trainArm(plan: ExperimentPlan, state: ExperimentState, arm: ArmPlan, seed: number, say: (m: string) => void): Promise<string> {
  const recipe = state.recipeFile(arm, seed);
  const runId = runIdOf(plan, arm, seed);
  let runDir = existingRun(plan, arm, seed);
  if (!runDir) {
    runDir = createRun({ recipeFile: recipe, runsDir: plan.runsDir, runId, group: { experiment: plan.id, arm: arm.name, seed } }).runDir;
  }
  const stages = [plan.warmup.id, ...arm.rl.map((s) => s.id)];
  await settleLeftovers(runDir, stages, say);
  if (arm.role !== 'A') {
    const from = existingRun(plan, plan.arms[0], seed);
    if (!from) throw new Error(`seed ${seed}: ${plan.arms[0].name}'s run (which trains the shared warm-up) is missing`);
    if (shareWarmup(from, runDir, plan.warmup.id) === 'copied') say(`warm-up ${plan.warmup.id} shared from ${from}`);
  }
  if (stages.every((id) => readStageStatus(runDir!, id).value?.state === 'succeeded')) {
    say(`${runId}: already trained`);
    return runDir;
  }
  const code = await runCommand([recipe, '--runs-dir', plan.runsDir, '--run-id', runId], (line) => line && say(line));
  if (code === 130) throw new Stop('interrupt');
  if (code !== 0) throw new Error(`${runId} failed (see ${runDir})`);
  return runDir;
}

/** The three held-out sets on the arm's final checkpoint — and, for arm A, on the warm-up's and every stage's end. */
async function evaluateArm(plan: ExperimentPlan, arm: ArmPlan, runDir: string, args: Args, cancelled: () => boolean, say: (m: string) => void): Promise<RunResults> {
  const answersOf = async (stageId: string): Promise<SetAnswers> => {
    const ck = latestCheckpoint(stagePath(runDir, stageId));
    if (!ck) throw new Error(`${runDir}: stage ${stageId} has no checkpoint to evaluate`);
    const out: SetAnswers = {};
    for (const set of EXPERIMENT_SETS) {
      const o = await evaluateCheckpoint({ checkpoint: ck.dir, set: `${set}:${args.evalSize}`, seed: args.evalSeed, cancelled, log: () => undefined });
      say(`  ${o.checkpoint} on ${o.set}: ${describeOutcome(o)}${o.reused ? ' (reused)' : ` (${o.seconds.toFixed(0)} s)`}`);
      out[set] = parseEvalText(readFileSync(o.file, 'utf8'), o.file).records;
    }
    return out;
  };
  const last = arm.rl[arm.rl.length - 1].id;
  const final = await answersOf(last);
  const result: RunResults = { arm: arm.name, seed: seedOf(runDir), runDir, final };
  if (arm.role === 'A') {
    result.path = [{ checkpoint: plan.warmup.id, answers: await answersOf(plan.warmup.id) }];
    for (const s of arm.rl) result.path.push({ checkpoint: s.id, answers: s.id === last ? final : await answersOf(s.id) });
  }
  return result;
}

const seedOf = (runDir: string): number => readRunMeta(runDir).value?.group?.seed ?? NaN;
