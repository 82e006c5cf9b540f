// `see2think run <recipe>`: creates a run directory (or continues one) and runs its stages in order, each as
// its own child process (`see2think stage …` through the stage's launch target), printing compact progress
// and ending with the per-stage summary. Ctrl-C cancels the running stage cleanly (it checkpoints).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseJsonLoose } from '../protocol/jsonLines';
import { RUN_FILES, type MetricRecord, type StreamRecord } from '../protocol/runRecords';
import { METRICS } from '../protocol/metrics';
import type { ResolvedStage } from '../protocol/recipe';
import { UsageError } from './cliValidate';
import { createRun, openRun, runsRoot, type OpenRun } from '../core/rundir/runDir';
import { loadRecipeFile } from '../core/recipe/loadRecipe';
import { recordStageEnd, settleStage } from '../core/rundir/settleStage';
import { lastLines } from '../core/rundir/logLines';
import { checkTrainer } from '../core/launch/trainerProcess';
import { STOP_GRACE_MS, TRAINER_GRACE_ENV, trainerGraceFor } from '../core/launch/local';
import { readStageStatus, stagePath } from '../core/rundir/runDirReader';
import { latestCheckpoint } from '../core/rundir/checkpointPaths';
import { launcherFor, stageArgv } from '../core/launch/index';
import type { StageHandle } from '../core/launch/target';
import { formatRunSummary, summarizeRun } from '../core/rundir/runSummary';
import { AlertEngine } from '../core/alerts/alertEngine';

export const RUN_USAGE = `usage: see2think run <recipe> [--stage <id> | --from <id>] [--runs-dir <dir>] [--run-id <id>] [--resume] [--force]

  --stage <id>     run only this stage (its init stage must already have a checkpoint in the run)
  --from <id>      run this stage and every later one
  --runs-dir <d>   where runs/<recipe-name>/<run-id>/ go (default: the recipe's runs_dir)
  --run-id <id>    name the run; an existing run of that id is continued
  --resume         continue a run (the one named by --run-id, else the latest run of this recipe):
                   succeeded stages are kept, interrupted ones resume from their last checkpoint
  --force          re-run stages that already succeeded (their results are replaced)`;

interface RunArgs {
  recipe: string;
  stage?: string;
  from?: string;
  runsDir?: string;
  runId?: string;
  resume: boolean;
  force: boolean;
}

export function parseRunArgs(args: string[]): RunArgs {
  const o: Partial<RunArgs> & { resume: boolean; force: boolean } = { resume: false, force: false };
  const value = (i: number, name: string) => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value\n${RUN_USAGE}`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') throw new UsageError(RUN_USAGE);
    else if (a === '--stage') o.stage = value(i++, a);
    else if (a === '--from') o.from = value(i++, a);
    else if (a === '--runs-dir') o.runsDir = value(i++, a);
    else if (a === '--run-id') o.runId = value(i++, a);
    else if (a === '--resume') o.resume = true;
    else if (a === '--force') o.force = true;
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${RUN_USAGE}`);
    else if (o.recipe === undefined) o.recipe = a;
    else throw new UsageError(`unexpected argument ${a}\n${RUN_USAGE}`);
  }
  if (!o.recipe) throw new UsageError(`run needs a recipe file\n${RUN_USAGE}`);
  if (o.stage && o.from) throw new UsageError('--stage and --from exclude each other');
  return o as RunArgs;
}

/** The most recently created run of a recipe, if any. */
function latestRun(root: string): string | undefined {
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, RUN_FILES.run)))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs || a.localeCompare(b))
    .pop();
}

function openOrCreate(a: RunArgs, out: (line: string) => void): OpenRun {
  const { resolved, src } = loadRecipeFile(a.recipe);
  const root = join(runsRoot(a.recipe, resolved, a.runsDir), resolved.name);
  const existing = a.runId ? (existsSync(join(root, a.runId)) ? join(root, a.runId) : undefined) : a.resume ? latestRun(root) : undefined;
  if (a.resume && !existing) {
    throw new Error(a.runId ? `no run ${a.runId} under ${root} to resume` : `no run of recipe ${resolved.name} under ${root} to resume`);
  }
  if (!existing) {
    const run = createRun({ recipeFile: a.recipe, runsDir: a.runsDir, runId: a.runId });
    out(`run ${run.meta.id}: ${run.runDir}`);
    return run;
  }
  const run = openRun(existing);
  if (createHash('sha256').update(src.text).digest('hex') !== run.meta.recipe_hash) {
    out(`note: ${a.recipe} changed since run ${run.meta.id} was created; the run keeps its frozen copy (${join(existing, RUN_FILES.recipe)})`);
  }
  out(`continuing run ${run.meta.id}: ${run.runDir}`);
  return run;
}

function selectStages(run: OpenRun, a: RunArgs): ResolvedStage[] {
  const all = run.recipe.stages;
  const name = a.stage ?? a.from;
  if (!name) return all;
  const i = all.findIndex((s) => s.id === name);
  if (i < 0) throw new UsageError(`no stage '${name}' in the recipe (stages: ${all.map((s) => s.id).join(', ')})`);
  return a.stage ? [all[i]] : all.slice(i);
}

type Plan = { stage: ResolvedStage; mode: 'fresh' | 'resume' | 'restart' } | { stage: ResolvedStage; skip: string };

/**
 * A stage marked running: refused while its trainer lives here (or it runs on another host); when its process
 * is gone (the job was killed -9, the OOM killer, a reboot), recorded as failed with what it wrote, so it
 * resumes from its last checkpoint.
 */
function settleAbandoned(run: OpenRun, stage: ResolvedStage, out: (line: string) => void): void {
  const st = readStageStatus(run.runDir, stage.id).value!;
  const t = checkTrainer(st, run.runDir, stage.id);
  if (t.kind === 'ours') throw new Error(`stage ${stage.id} of run ${run.meta.id} is running (pid ${t.pid}); stop it first (Ctrl-C where it runs, or kill -TERM -${t.pid})`);
  if (t.kind === 'elsewhere') {
    throw new Error(`stage ${stage.id} of run ${run.meta.id} is running on host ${t.host}${t.pid ? ` (pid ${t.pid})` : ''}: stop it there; if that host is gone, take the stage over with: see2think stage ${run.runDir} ${stage.id} --resume`);
  }
  if (st.target !== 'local') {
    throw new Error(`stage ${stage.id} of run ${run.meta.id} is marked running as ${st.target} job ${st.job_id ?? '?'}; cancel the job (scancel) or wait for it to end`);
  }
  const why = `${t.why}, and it did not record how the stage ended (found by see2think run)`;
  recordStageEnd(run.runDir, stage.id, st, 'failed', null, null, why, lastLines(stagePath(run.runDir, stage.id, RUN_FILES.log), 12));
  out(`[${stage.id}] was marked running, but ${t.why}: recorded as failed; it continues from its last checkpoint`);
}

/**
 * What to do with each selected stage of this run: a succeeded stage is skipped (refused when named by
 * --stage) unless --force restarts it; a stage with progress resumes from its last checkpoint; else fresh.
 */
function planStages(run: OpenRun, stages: ResolvedStage[], a: RunArgs, out: (line: string) => void): Plan[] {
  return stages.map((stage): Plan => {
    if (readStageStatus(run.runDir, stage.id).value?.state === 'running') settleAbandoned(run, stage, out);
    const state = readStageStatus(run.runDir, stage.id).value?.state;
    const dir = stagePath(run.runDir, stage.id);
    const progress = latestCheckpoint(dir) !== undefined || (existsSync(join(dir, RUN_FILES.metrics)) && statSync(join(dir, RUN_FILES.metrics)).size > 0);
    if (state === 'succeeded') {
      if (a.force) return { stage, mode: 'restart' };
      if (a.stage) throw new UsageError(`stage ${stage.id} of run ${run.meta.id} already succeeded; pass --force to run it again (its results are replaced)`);
      return { stage, skip: 'already succeeded' };
    }
    return { stage, mode: progress ? 'resume' : 'fresh' };
  });
}

const fmt = (v: unknown, digits = 3) => (typeof v === 'number' ? v.toFixed(digits) : '—');
function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** Compact progress from a stage's streamed metric records: every validation, first/last step, else every few seconds. */
function progressPrinter(stage: ResolvedStage, out: (line: string) => void) {
  let firstTime: number | undefined;
  let firstStep = 0;
  let lastPrint = 0;
  let lastVal: number | undefined;
  return (r: MetricRecord) => {
    const now = Date.now();
    if (r.step > 0 && firstTime === undefined) {
      firstTime = now;
      firstStep = r.step;
    }
    const hasVal = typeof r[METRICS.valAccuracy] === 'number';
    if (hasVal) lastVal = r[METRICS.valAccuracy] as number;
    if (!hasVal && r.step !== 1 && r.step !== stage.steps && now - lastPrint < 5000) return;
    lastPrint = now;
    const perStep = firstTime !== undefined && r.step > firstStep ? (now - firstTime) / 1000 / (r.step - firstStep) : undefined;
    const eta = perStep !== undefined ? ` ETA ${duration(perStep * (stage.steps - r.step))}` : '';
    const main = stage.kind === 'sft'
      ? `loss ${fmt(r[METRICS.sftLoss])}`
      : `reward ${fmt(r[METRICS.rewardOverall])} acc ${fmt(r[METRICS.rewardAccuracy])} len ${fmt(r[METRICS.responseLength], 1)}`;
    out(`[${stage.id}] step ${String(r.step).padStart(String(stage.steps).length)}/${stage.steps}  ${main}  val acc ${fmt(lastVal)}${hasVal ? ` (fmt ${fmt(r[METRICS.valFormat], 2)})` : ''}${perStep ? `  ${perStep.toFixed(2)} s/step` : ''}${eta}`);
  };
}

/** Arguments of the stage process: the bundled CLI next to this file, or this source tree under tsx. */
function argvFor(runDir: string, stageId: string, resume: boolean, restart: boolean): string[] {
  const bundled = join(__dirname, 'cli.js');
  const base = existsSync(bundled)
    ? stageArgv({ runDir, stageId, resume })
    : [process.execPath, ...process.execArgv, resolve(__dirname, 'main.ts'), 'stage', runDir, stageId, ...(resume ? ['--resume'] : [])];
  return restart ? [...base, '--restart'] : base;
}

export async function runCommand(args: string[], out: (line: string) => void): Promise<number> {
  const a = parseRunArgs(args);
  const run = openOrCreate(a, out);
  const plans = planStages(run, selectStages(run, a), a, out);
  let current: StageHandle | undefined;
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    out('interrupt: stopping the running stage (it saves a checkpoint)…');
    void current?.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let code = 0;
  try {
    for (const p of plans) {
      if ('skip' in p) {
        out(`[${p.stage.id}] skipped: ${p.skip}`);
        continue;
      }
      if (interrupted) break;
      const { stage, mode } = p;
      out(`[${stage.id}] ${mode === 'fresh' ? 'starting' : mode === 'resume' ? 'resuming' : 'restarting'} (${stage.kind}, ${stage.steps} steps${stage.initFrom ? `, from ${stage.initFrom}` : ''})`);
      const launcher = launcherFor(stage.launch.target);
      const env = { ...(run.recipe.model.env ?? {}), ...(stage.launch.env ?? {}), [TRAINER_GRACE_ENV]: String(trainerGraceFor(STOP_GRACE_MS)) };
      current = await launcher.start({
        runDir: run.runDir, stageId: stage.id, argv: argvFor(run.runDir, stage.id, mode === 'resume', mode === 'restart'),
        env, logFile: stagePath(run.runDir, stage.id, RUN_FILES.log),
      });
      const print = progressPrinter(stage, out);
      const alerts = new AlertEngine(run.recipe.alerts);
      current.onStdoutLine((line) => {
        let rec: StreamRecord;
        try {
          rec = parseJsonLoose(line) as StreamRecord;
        } catch {
          return;
        }
        if (rec?.type === 'metric') {
          print(rec.record);
          for (const a of alerts.push(stage.id, rec.record.step, rec.record)) out(`[${stage.id}] alert at step ${a.step}: ${a.message}`);
        } else if (rec?.type === 'log' && rec.level !== 'info') out(`[${stage.id}] ${rec.level}: ${rec.message.split('\n')[0]}`);
        else if (rec?.type === 'log' && rec.message.startsWith('note: ')) out(`[${stage.id}] ${rec.message.split('\n')[0]}`);
      });
      const exit = await current.wait();
      current = undefined;
      // The stage writes its own end; if its process died before it could, record what the exit says.
      const { status } = settleStage(run.runDir, stage.id, exit);
      if (status.state === 'succeeded') {
        out(`[${stage.id}] succeeded`);
        continue;
      }
      if (status.state === 'cancelled' || interrupted) {
        out(`[${stage.id}] cancelled at step ${status.step ?? '?'}${status.last_checkpoint ? ` (checkpoint ${status.last_checkpoint})` : ''}; continue with: see2think run ${a.recipe} --run-id ${run.meta.id} --resume`);
        code = 130;
        break;
      }
      out(`[${stage.id}] failed: ${(status.error ?? exit.error ?? 'unknown error').split('\n')[0]} (log: ${stagePath(run.runDir, stage.id, RUN_FILES.log)})`);
      code = 1;
      break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  out('');
  out(formatRunSummary(summarizeRun(run.runDir)));
  return code;
}

/** Exposed for tests: a stage's current log tail (what a user looks at after a failure). */
export function logTail(runDir: string, stageId: string, lines = 20): string {
  const path = stagePath(runDir, stageId, RUN_FILES.log);
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n') : '';
}
