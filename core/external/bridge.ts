// `see2think stage` for an external trainer: compiles the stage to the trainer's argument vector, runs it as a
// child in this process's group, so stopping the stage reaches both and the trainer dies with its bridge (its
// stdout and stderr go to log.txt; our stdout stays the record stream), live-tails the trainer's own files
// through the adapters into our run directory (StageMirror), forwards a stop request (SIGTERM, then SIGKILL to
// the trainer and its descendants after a grace period shorter than the stopper's), then runs the after-steps
// (EasyR1's checkpoint merge) and records how it ended. Locally and as a SLURM job alike.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { RUN_FILES } from '../../protocol/runRecords';
import { openRun, type OpenRun } from '../rundir/runDir';
import { readStageStatus, stagePath } from '../rundir/runDirReader';
import { latestCheckpoint } from '../rundir/checkpointPaths';
import { startPoint } from '../rundir/globalStep';
import { TRAINER_GRACE_MS } from '../launch/local';
import { terminateTree } from '../launch/processTree';
import { StageOutput } from '../rundir/stageOutput';
import { claimStage, nowIso, startRunningStatus, type RunStageOptions } from '../rundir/runningStatus';
import { truncateJsonlAfterStep } from '../rundir/truncateJsonl';
import { EasyR1RunReader } from './easyr1/easyr1Run';
import { VerlRunReader } from './verl/verlRun';
import { TrlRunReader } from './trl/trlRun';
import type { ForeignRunReader } from './foreignRun';
import { compileStage } from './compile';
import { looksLikeHubId } from './stageContext';
import { CompileError, type CompiledStage, type Step } from './compiled';
import { SubstitutionError } from './substitute';
import { StageMirror } from './mirror';
import { placeStageFiles } from './stageFiles';

/** The built-in stage's options (resume, restart, output, stop), plus how the external trainer is watched. */
export interface ExternalStageOptions extends RunStageOptions {
  /** How often the trainer's files are read (default 1000 ms). */
  pollMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default TRAINER_GRACE_MS, 30 s). */
  graceMs?: number;
  /** Where the trainer's own output lines go (default: our stderr, which is the stage's log.txt). */
  trainerOutput?: (line: string) => void;
}

export type ExternalOutcome = 'succeeded' | 'failed' | 'cancelled';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The recipe file's folder as launched (relative recipe paths resolve against it). */
export function recipeDirOf(run: OpenRun): string {
  return run.meta.recipe_path ? dirname(run.meta.recipe_path) : run.runDir;
}

export function readerFor(c: CompiledStage, stage: string, accuracyWeight: number): ForeignRunReader | undefined {
  const ctx = { stage, accuracyWeight };
  switch (c.read.kind) {
    case 'easyr1':
      return new EasyR1RunReader(c.read.dir, ctx);
    case 'verl':
      return new VerlRunReader(c.read.paths, ctx);
    case 'trl':
      return new TrlRunReader(c.read.dir, ctx, c.read.layout);
    case 'command':
      return undefined;
  }
}

const nonEmptyDir = (d: string) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).length > 0;

/** Global step and parent of the checkpoint a stage starts from (recorded by the mirror for its init stage). */
function parentOf(runDir: string, initFrom: string | null): { globalOffset: number; parent: string | null } {
  const start = initFrom ? startPoint(runDir, initFrom) : undefined;
  return { globalOffset: start?.globalOffset ?? 0, parent: start?.parent ?? null };
}

/**
 * Runs a child in this process's group (a stop of the stage's group reaches it; it cannot outlive us); its
 * output lines go to `line`. Resolves with its exit.
 */
function runChild(argv: string[], cwd: string, env: Record<string, string>, line: (l: string) => void, cancelled: () => boolean, graceMs: number) {
  // A PYTHONPATH of the command's (where our reward module is) comes before the inherited one.
  const pythonPath = [env.PYTHONPATH, process.env.PYTHONPATH].filter(Boolean).join(':');
  const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env, ...(pythonPath ? { PYTHONPATH: pythonPath } : {}) }, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout! }).on('line', line);
  createInterface({ input: child.stderr! }).on('line', line);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  // Kill on exit: should this process end first (an uncaught error, process.exit), the trainer goes too.
  const killOnExit = () => {
    if (!gone() && child.pid) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((res) => {
    child.once('error', (err) => res({ code: null, signal: null, error: `cannot start ${argv[0]}: ${err.message}` }));
    child.once('exit', (code, signal) => res({ code, signal }));
  }).finally(() => process.off('exit', killOnExit));
  let stopping = false;
  const watchCancel = (async () => {
    while (!gone() && child.pid && !stopping) {
      if (cancelled()) {
        stopping = true;
        await terminateTree(child.pid, graceMs, gone);
        return;
      }
      await sleep(100);
    }
  })();
  return { pid: () => child.pid, done: done.then(async (r) => {
    stopping = true;
    await watchCancel;
    return r;
  }) };
}

/** Whether a run directory's recipe uses an external trainer (run.json says which trainer it was created for). */
export function isExternalRun(runDir: string): boolean {
  try {
    const meta = JSON.parse(readFileSync(join(runDir, RUN_FILES.run), 'utf8')) as { trainer?: unknown };
    return typeof meta.trainer === 'string' && meta.trainer !== 'builtin';
  } catch {
    return false;
  }
}

export async function runExternalStage(o: ExternalStageOptions): Promise<ExternalOutcome> {
  const run = openRun(o.runDir);
  const stage = run.recipe.stages.find((s) => s.id === o.stageId);
  if (!stage) throw new Error(`no stage '${o.stageId}' in ${o.runDir} (stages: ${run.recipe.stages.map((s) => s.id).join(', ')})`);
  const out = o.out ?? new StageOutput(run.runDir, stage.id);
  const stageDir = out.writer.dir;
  const prev = claimStage(run.runDir, stage.id);
  const trainer = run.recipe.model.trainer;
  const { current: status, set: setStatus } = startRunningStatus(out, stage, prev);
  const fail = (error: string): ExternalOutcome => {
    out.log(error, 'error');
    setStatus({ state: 'failed', error, ended: nowIso() });
    return 'failed';
  };
  let compiled: CompiledStage;
  try {
    compiled = compileStage({ recipe: run.recipe, stageId: stage.id, runDir: run.runDir, recipeDir: recipeDirOf(run), probePackage: true });
  } catch (err) {
    // What `see2think validate` reports before a launch; a stage started anyway ends here, before the trainer.
    if (err instanceof CompileError || err instanceof SubstitutionError) return fail(err.message);
    throw err;
  }

  // Earlier progress: resume it (EasyR1 and verl pick up their own latest checkpoint), or start over.
  const hasProgress = nonEmptyDir(compiled.outputDir) && compiled.outputDir !== stageDir || latestCheckpoint(stageDir) !== undefined;
  let floorStep: number | undefined;
  if (hasProgress && !o.resume) {
    if (!o.restart) return fail(`stage ${stage.id} already has progress in ${stageDir}: pass --resume to continue it, or --restart to discard it and start over`);
    if (compiled.outputDir !== stageDir) rmSync(compiled.outputDir, { recursive: true, force: true });
    for (const f of [RUN_FILES.metrics, RUN_FILES.traces, RUN_FILES.checkpoints]) rmSync(join(stageDir, f), { recursive: true, force: true });
    out.log('restart: earlier trainer output, metrics, traces and checkpoints removed');
  } else if (o.resume) {
    floorStep = latestCheckpoint(stageDir)?.step ?? 0;
    for (const f of [RUN_FILES.metrics, RUN_FILES.traces]) truncateJsonlAfterStep(join(stageDir, f), floorStep);
    out.log(`resume: continuing after step ${floorStep} (the trainer resumes from its own latest checkpoint)`);
  }

  // The model this stage starts from: the parent stage's final one (it must have finished: EasyR1's are merged
  // only then), which must exist (a Hub id is fetched by the trainer itself).
  const parentState = stage.initFrom ? readStageStatus(run.runDir, stage.initFrom).value?.state : undefined;
  if (stage.initFrom && parentState !== 'succeeded') {
    return fail(`stage ${stage.id} starts from stage ${stage.initFrom}'s final model, but ${stage.initFrom} is ${parentState ?? 'not started'}: run ${stage.initFrom} to the end first`);
  }
  const init = compiled.initCheckpoint;
  if (stage.initFrom && init && !looksLikeHubId(init) && !existsSync(init)) {
    return fail(`stage ${stage.id} starts from stage ${stage.initFrom}'s final model ${init}, which does not exist: run ${stage.initFrom} first`);
  }
  mkdirSync(compiled.outputDir, { recursive: true });
  try {
    placeStageFiles(compiled.files ?? []);
  } catch (err) {
    return fail(`cannot put the stage's files in place: ${(err as Error).message}`);
  }
  const { globalOffset, parent } = parentOf(run.runDir, stage.initFrom);
  const mirror = new StageMirror({
    runDir: run.runDir, stageId: stage.id, stageDir, trainer, globalOffset, parent, floorStep, seed: stage.algorithm.seed,
  }, out);
  const reader = readerFor(compiled, stage.id, stage.reward.accuracy_weight);
  const cancelled = () => !!o.cancelRequested?.();
  const childLog = o.trainerOutput ?? ((l: string) => void process.stderr.write(`${l}\n`));

  if (compiled.version) out.log(`${trainer} ${compiled.version.id}: ${compiled.version.range} (${compiled.version.detail})`);
  for (const n of compiled.notes) out.log(`note: ${n}`);
  out.log(`${trainer}: ${compiled.argv.join(' ')}`);
  out.log(`cwd ${compiled.cwd}; trainer output in ${compiled.outputDir}`);
  const child = runChild(compiled.argv, compiled.cwd, compiled.env, childLog, cancelled, o.graceMs ?? TRAINER_GRACE_MS);
  let exited = false;
  const done = child.done.finally(() => (exited = true));
  const pump = async (final: boolean) => {
    if (!reader) return;
    mirror.apply(final ? await reader.finish() : await reader.read());
    if (mirror.lastStep !== status.step) setStatus({ step: mirror.lastStep, ...(mirror.lastCheckpoint ? { last_checkpoint: mirror.lastCheckpoint.rel } : {}) });
  };
  while (!exited) {
    await pump(false);
    await Promise.race([done, sleep(o.pollMs ?? 1000)]);
  }
  const r = await done;
  await pump(true);
  if (r.error) return fail(r.error);
  if (cancelled()) {
    out.log(`cancelled at step ${mirror.lastStep}`, 'warn');
    setStatus({ state: 'cancelled', exit_code: r.code, signal: r.signal, ended: nowIso() });
    return 'cancelled';
  }
  if (r.code !== 0) {
    setStatus({ exit_code: r.code, signal: r.signal });
    return fail(`${trainer} ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`} (its output is in log.txt)`);
  }
  // A clean exit short of the planned steps (a loop capped elsewhere) leaves the next stage without its model.
  if (reader && mirror.lastStep < stage.steps) {
    return fail(`${trainer} exited cleanly at step ${mirror.lastStep} of ${stage.steps}: the final checkpoint the next stage starts from was not written (see log.txt)`);
  }
  for (const step of compiled.after) {
    const ok = await runAfterStep(step, out, childLog, cancelled, o.graceMs ?? TRAINER_GRACE_MS);
    if (!ok) return fail(`after training, "${step.what}" failed: ${step.argv.join(' ')}`);
  }
  out.log(`succeeded at step ${mirror.lastStep} (${mirror.counts.metrics} metric records, ${mirror.counts.evals} validation rounds, ${mirror.counts.checkpoints} checkpoints)`);
  setStatus({ state: 'succeeded', exit_code: 0, ended: nowIso() });
  return 'succeeded';
}

async function runAfterStep(step: Step, out: StageOutput, line: (l: string) => void, cancelled: () => boolean, graceMs: number): Promise<boolean> {
  out.log(`then: ${step.what}: ${step.argv.join(' ')}`);
  const r = await runChild(step.argv, step.cwd, { PYTHONUNBUFFERED: '1' }, line, cancelled, graceMs).done;
  if (r.error) out.log(r.error, 'error');
  return r.code === 0;
}
