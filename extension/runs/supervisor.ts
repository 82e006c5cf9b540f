// The run supervisor: runs each stage of a run as a trainer child process (local) or job, one after another
// (stage k+1 once k succeeded), streams the trainer's stdout records into the store, copies its log into the
// output channel, and settles every ending: a trainer that died without saying how is recorded as failed with
// its exit code and last log lines. It holds the run directory's lock while it drives a run, and after a window
// reload re-attaches to trainers that outlived the old window. Node only (no 'vscode'); UI lives in commands/.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RUN_FILES, TERMINAL_STATES, type LaunchTarget, type StageStatus } from '../../protocol/runRecords';
import type { Launcher, StageExit, StageHandle } from '../../core/launch/target';
import { launcherFor as defaultLauncherFor, stageArgv } from '../../core/launch/index';
import { processAlive } from '../../core/launch/local';
import { readStageStatus, stagePath } from '../../core/rundir/runDirReader';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { createRun, openRun, type OpenRun } from '../../core/rundir/runDir';
import { Emitter } from './emitter';
import { acquireLock, lockHeld, readLock, releaseLock, updateLock } from './runLock';
import { parseStreamLine } from './streamRecords';
import { lastLines } from '../../core/rundir/logLines';
import { recordStageEnd, settleStage } from '../../core/rundir/settleStage';
import { LineTail } from '../../core/rundir/lineTail';
import type { RunStore } from './store';

export interface SupervisorLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SupervisorOptions {
  store: RunStore;
  /** The bundled CLI (dist/cli.js) that runs `stage`. */
  cliJs: string;
  /** The Node runtime: the extension host's own (with ELECTRON_RUN_AS_NODE=1 in `env`). */
  node?: string;
  env?: Record<string, string>;
  log: SupervisorLog;
  /** A line the trainer wrote (log.txt, or a log record on stdout). */
  output?: (runDir: string, stageId: string, line: string) => void;
  launcherFor?: (target: LaunchTarget) => Launcher;
  /** May a new stage start now? (false in an untrusted workspace: re-attached chains then stop after the stage they watch.) */
  canLaunch?: () => boolean;
  /** SIGTERM → SIGKILL grace when stopping (ms). */
  graceMs?: number;
  logPollMs?: number;
}

export interface StageEnd {
  runDir: string;
  stageId: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  exitCode: number | null;
  signal: string | null;
  error?: string;
  /** The last lines of the stage's log.txt. */
  logTail: string[];
}

export interface JobProgress {
  runDir: string;
  stageId: string;
  /** Position of the stage in this job's plan (0-based) and the plan's length. */
  index: number;
  count: number;
  step?: number;
  total: number;
  phase?: string;
}

export interface JobResult {
  runDir: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  ends: StageEnd[];
}

export interface RunJob {
  readonly runDir: string;
  /** Every stage this job runs, in order. */
  readonly stages: string[];
  /** Index in `stages` of the stage running now. */
  index: number;
  handle?: StageHandle;
  /** True when the current stage was re-attached after a reload (no stdout stream, exit code unknown). */
  attached: boolean;
  stopping: boolean;
  readonly done: Promise<JobResult>;
}

type MutableJob = RunJob & { resolve?: (r: JobResult) => void };

export class Supervisor {
  private readonly jobMap = new Map<string, MutableJob>();
  /** Set when the window goes: jobs still waiting on their trainers then touch nothing (no logs, no files). */
  private disposed = false;
  private readonly stageEnded = new Emitter<StageEnd>();
  private readonly progressed = new Emitter<JobProgress>();
  private readonly jobsChanged = new Emitter<void>();
  readonly onStageEnd = this.stageEnded.event;
  readonly onProgress = this.progressed.event;
  readonly onDidChangeJobs = this.jobsChanged.event;

  constructor(private readonly o: SupervisorOptions) {}

  get jobs(): RunJob[] {
    return [...this.jobMap.values()];
  }

  job(runDir: string): RunJob | undefined {
    return this.jobMap.get(runDir);
  }

  /** Why a run cannot be launched in now (someone drives it, or a stage of it is running), or undefined. */
  busyReason(runDir: string): string | undefined {
    if (this.jobMap.has(runDir)) return 'it is already running in this window';
    const lock = readLock(runDir);
    if (lock && lockHeld(lock)) return `it is driven by another process (pid ${lock.hostPid})`;
    for (const s of this.o.store.get(runDir)?.stages ?? []) {
      const st = s.status;
      if (st?.state === 'running' && st.target === 'local' && st.pid && processAlive(st.pid)) return `stage '${s.id}' is running (pid ${st.pid}), started outside this window`;
    }
    return undefined;
  }

  /** Creates a new run of a recipe and runs the given stages in it. */
  async startRun(recipeFile: string, stages: string[], o: { runsDir?: string; runId?: string } = {}): Promise<RunJob> {
    const run = createRun({ recipeFile, runsDir: o.runsDir, runId: o.runId, version: undefined });
    this.o.log.info(`created run ${run.runDir}`);
    this.o.store.addRun(run.runDir);
    return this.runStages(run.runDir, stages, { open: run });
  }

  /** Runs stages of an existing run, in order; the first continues from its checkpoint when `resumeFirst`. */
  async runStages(runDir: string, stages: string[], o: { resumeFirst?: boolean; open?: OpenRun } = {}): Promise<RunJob> {
    const run = o.open ?? openRun(runDir);
    const unknown = stages.filter((s) => !run.recipe.stages.some((r) => r.id === s));
    if (unknown.length) throw new Error(`run ${runDir} has no stage ${unknown.map((s) => `'${s}'`).join(', ')}`);
    if (!stages.length) throw new Error('no stages to run');
    this.o.store.addRun(runDir);
    const busy = this.busyReason(runDir);
    if (busy) throw new Error(`cannot start ${runDir}: ${busy}`);
    const lock = acquireLock(runDir, { plan: stages, resume: o.resumeFirst });
    if (!lock.ok) throw new Error(`cannot start ${runDir}: ${lock.reason}`);
    return this.begin(run, stages, o.resumeFirst ?? false);
  }

  /** Asks the running stage of a run to stop (SIGTERM to its whole process group, SIGKILL after the grace period). */
  async stop(runDir: string): Promise<boolean> {
    const job = this.jobMap.get(runDir);
    if (job) {
      job.stopping = true;
      this.o.log.info(`stopping ${runDir}${job.handle ? ` (stage '${job.stages[job.index]}', ${job.handle.target} ${job.handle.id})` : ''}`);
      await job.handle?.cancel(this.o.graceMs ?? 10000);
      await job.done;
      return true;
    }
    // A stage started elsewhere (the CLI, another window that is gone): stop its process group directly.
    for (const s of this.o.store.get(runDir)?.stages ?? []) {
      const st = s.status;
      if (st?.state !== 'running' || st.target !== 'local' || !st.pid || !processAlive(st.pid)) continue;
      const handle = this.launcher('local').attach(String(st.pid), { runDir, stageId: s.id, logFile: stagePath(runDir, s.id, RUN_FILES.log) });
      if (!handle) continue;
      this.o.log.info(`stopping stage '${s.id}' of ${runDir} (pid ${st.pid}, not started by this window)`);
      await handle.cancel(this.o.graceMs ?? 10000);
      await this.settle(runDir, s.id, { state: 'cancelled', exitCode: null, signal: 'SIGTERM' });
      return true;
    }
    return false;
  }

  /**
   * After a window reload (or on activation): stages whose status says running are re-attached when their
   * trainer lives and the window that drove them is gone (the chain then continues), and recorded as failed,
   * with what they wrote, when their trainer is dead. Runs another live window drives are left to it.
   */
  async recover(): Promise<{ attached: string[]; continued: string[]; failed: string[] }> {
    const attached: string[] = [];
    const continued: string[] = [];
    const failed: string[] = [];
    for (const snap of this.o.store.runs()) {
      if (this.jobMap.has(snap.dir)) continue;
      const lock = readLock(snap.dir);
      if (lock && lock.hostPid !== process.pid && lockHeld({ ...lock, trainerPid: undefined })) continue;
      let handled = false;
      for (const s of snap.stages) {
        const st = readStageStatus(snap.dir, s.id).value;
        if (st?.state !== 'running') continue;
        handled = true;
        if (st.target !== 'local') {
          const handle = st.job_id ? this.tryAttach(st.target, st.job_id, snap.dir, s.id) : undefined;
          if (handle && lock && this.adopt(snap.dir, s.id, handle, lock.plan)) attached.push(snap.dir);
          continue;
        }
        const alive = st.pid !== undefined && processAlive(st.pid) && isTrainerOf(st.pid, snap.dir, s.id);
        if (alive && lock && lock.trainerPid === st.pid) {
          const handle = this.launcher('local').attach(String(st.pid), { runDir: snap.dir, stageId: s.id, logFile: stagePath(snap.dir, s.id, RUN_FILES.log) });
          if (handle && this.adopt(snap.dir, s.id, handle, lock.plan)) attached.push(snap.dir);
        } else if (!alive) {
          // Read again: the trainer may have written its end between our two reads.
          const again = readStageStatus(snap.dir, s.id).value;
          if (again?.state !== 'running') continue;
          const tail = lastLines(stagePath(snap.dir, s.id, RUN_FILES.log), 12);
          const why = `the trainer (pid ${st.pid ?? '?'}) ended without recording how the stage ended (found when this window started)`;
          recordStageEnd(snap.dir, s.id, again, 'failed', null, null, why, tail);
          this.dropStaleLock(snap.dir);
          failed.push(`${snap.dir}#${s.id}`);
          this.stageEnded.fire({ runDir: snap.dir, stageId: s.id, state: 'failed', exitCode: null, signal: null, error: why, logTail: tail });
          this.o.store.refresh(snap.dir);
        }
      }
      if (handled || !lock || lockHeld(lock)) continue;
      // The window died between two stages of a chain: continue it (a launch, so only where launching is allowed).
      const state = (id: string) => readStageStatus(snap.dir, id).value?.state ?? 'pending';
      const remaining = lock.plan.filter((id) => state(id) !== 'succeeded');
      if (remaining.length && state(remaining[0]) === 'pending' && (this.o.canLaunch?.() ?? true)) {
        try {
          const job = await this.runStages(snap.dir, remaining);
          this.o.log.info(`continued the chain of ${snap.dir}: ${job.stages.join(' → ')}`);
          continued.push(snap.dir);
        } catch (err) {
          this.o.log.warn(`could not continue ${snap.dir}: ${(err as Error).message}`);
        }
      } else {
        this.dropStaleLock(snap.dir);
      }
    }
    return { attached, continued, failed };
  }

  private dropStaleLock(runDir: string): void {
    const lock = readLock(runDir);
    if (lock && !lockHeld(lock) && acquireLock(runDir, { plan: [] }).ok) releaseLock(runDir);
  }

  /** Stops watching (trainers keep running and the locks stay: the next window re-attaches). */
  dispose(): void {
    this.disposed = true;
    for (const e of [this.stageEnded, this.progressed, this.jobsChanged]) e.dispose();
  }

  // ------------------------------------------------------------------ internals

  private launcher(target: LaunchTarget): Launcher {
    return (this.o.launcherFor ?? defaultLauncherFor)(target);
  }

  private tryAttach(target: LaunchTarget, id: string, runDir: string, stageId: string): StageHandle | undefined {
    try {
      return this.launcher(target).attach(id, { runDir, stageId, logFile: stagePath(runDir, stageId, RUN_FILES.log) });
    } catch (err) {
      this.o.log.warn(`cannot re-attach to ${target} ${id} of ${runDir}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private adopt(runDir: string, stageId: string, handle: StageHandle, plan: string[]): boolean {
    const stages = plan[0] === stageId ? plan : [stageId];
    const pid = handle.target === 'local' ? Number(handle.id) : undefined;
    const took = acquireLock(runDir, { plan: stages, stage: stageId, trainerPid: pid }, pid);
    if (!took.ok) {
      this.o.log.warn(`not re-attaching to ${runDir}: ${took.reason}`);
      return false;
    }
    this.o.log.info(`re-attached to stage '${stageId}' of ${runDir} (${handle.target} ${handle.id}); ${stages.length - 1} more stage(s) to run after it`);
    this.begin(openRun(runDir), stages, false, handle);
    return true;
  }

  private begin(run: OpenRun, stages: string[], resumeFirst: boolean, attachedHandle?: StageHandle): RunJob {
    let resolve!: (r: JobResult) => void;
    const done = new Promise<JobResult>((r) => (resolve = r));
    const job: MutableJob = { runDir: run.runDir, stages, index: 0, attached: !!attachedHandle, stopping: false, done, resolve };
    this.jobMap.set(run.runDir, job);
    this.jobsChanged.fire();
    void this.drive(job, run, resumeFirst, attachedHandle).then((r) => {
      this.jobMap.delete(run.runDir);
      releaseLock(run.runDir);
      this.o.store.refresh(run.runDir);
      this.o.store.flush();
      this.jobsChanged.fire();
      job.resolve!(r);
    });
    return job;
  }

  private async drive(job: MutableJob, run: OpenRun, resumeFirst: boolean, attachedHandle?: StageHandle): Promise<JobResult> {
    const ends: StageEnd[] = [];
    let state: JobResult['state'] = 'succeeded';
    for (let i = 0; i < job.stages.length; i++) {
      job.index = i;
      const stageId = job.stages[i];
      if (job.stopping) {
        state = 'cancelled';
        break;
      }
      if (i > 0 && this.o.canLaunch && !this.o.canLaunch()) {
        this.o.log.warn(`not starting stage '${stageId}' of ${run.runDir}: launching is disabled in an untrusted workspace`);
        state = 'cancelled';
        break;
      }
      updateLock(run.runDir, { plan: job.stages.slice(i), stage: stageId, trainerPid: undefined, resume: i === 0 && resumeFirst });
      let end: StageEnd;
      try {
        end = await this.runOne(job, run, stageId, i === 0 && resumeFirst, i === 0 ? attachedHandle : undefined);
      } catch (err) {
        end = await this.settle(run.runDir, stageId, { state: 'failed', exitCode: null, signal: null, error: (err as Error).message });
      }
      ends.push(end);
      this.stageEnded.fire(end);
      if (end.state !== 'succeeded') {
        state = end.state;
        break;
      }
    }
    return { runDir: run.runDir, state, ends };
  }

  private async runOne(job: MutableJob, run: OpenRun, stageId: string, resume: boolean, attached?: StageHandle): Promise<StageEnd> {
    const runDir = run.runDir;
    const stage = run.recipe.stages.find((s) => s.id === stageId)!;
    const logFile = stagePath(runDir, stageId, RUN_FILES.log);
    mkdirSync(dirname(logFile), { recursive: true });
    const progress = (p: Partial<JobProgress>) =>
      this.progressed.fire({ runDir, stageId, index: job.index, count: job.stages.length, total: stage.steps, ...p });
    const logTail = new LineTail(logFile, true);
    const copyLog = (flush = false) => {
      if (this.disposed) return;
      for (const line of logTail.read(flush).lines) this.o.output?.(runDir, stageId, line);
    };
    let handle: StageHandle;
    if (attached) {
      handle = attached;
    } else {
      const argv = stageArgv({ runDir, stageId, resume, node: this.o.node ?? process.execPath, cliJs: this.o.cliJs });
      this.o.log.info(`stage '${stageId}' of ${runDir}: ${argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
      try {
        handle = await this.launcher(stage.launch.target).start({
          runDir, stageId, argv, logFile, cwd: run.meta.recipe_path ? dirname(run.meta.recipe_path) : runDir,
          env: { ...this.o.env, ...(run.recipe.model.env ?? {}), ...(stage.launch.env ?? {}) },
        });
      } catch (err) {
        return this.settle(runDir, stageId, { state: 'failed', exitCode: null, signal: null, error: (err as Error).message });
      }
    }
    job.handle = handle;
    job.attached = !!attached;
    if (handle.target === 'local') updateLock(runDir, { trainerPid: Number(handle.id), stage: stageId });
    this.jobsChanged.fire();
    progress({ step: this.o.store.get(runDir)?.stages.find((s) => s.id === stageId)?.lastPoint?.step });
    handle.onStdoutLine((line) => {
      if (this.disposed) return;
      const rec = parseStreamLine(line);
      if (!rec) {
        if (line.trim()) this.o.output?.(runDir, stageId, line);
        return;
      }
      switch (rec.type) {
        case 'log':
          this.o.output?.(runDir, stageId, `[${rec.level}] ${rec.message}`);
          return;
        case 'progress':
          progress({ phase: rec.phase, step: rec.done, total: rec.total });
          return;
        case 'metric':
          this.o.store.ingest(runDir, stageId, rec);
          progress({ step: rec.record.step });
          return;
        default:
          this.o.store.ingest(runDir, stageId, rec);
      }
    });
    const timer = setInterval(() => copyLog(), this.o.logPollMs ?? 250);
    if (job.stopping) void handle.cancel(this.o.graceMs ?? 10000);
    let exit: StageExit;
    try {
      exit = await handle.wait();
    } finally {
      clearInterval(timer);
      copyLog(true);
    }
    job.handle = undefined;
    if (this.disposed) return new Promise<StageEnd>(() => undefined); // the next window settles it
    if (job.stopping && exit.state === 'failed' && exit.signal) exit = { ...exit, state: 'cancelled' };
    return this.settle(runDir, stageId, exit);
  }

  /** Records how a stage ended when its trainer did not (or could not), and describes the ending. */
  private async settle(runDir: string, stageId: string, exit: StageExit): Promise<StageEnd> {
    const { status: st, logTail } = settleStage(runDir, stageId, exit);
    this.o.store.refresh(runDir);
    this.o.store.flush();
    const state = st.state as StageEnd['state'];
    const end: StageEnd = {
      runDir, stageId, state, exitCode: exit.exitCode ?? st.exit_code ?? null, signal: exit.signal ?? st.signal ?? null,
      error: state === 'succeeded' ? undefined : (st.error ?? exit.error), logTail,
    };
    const how = state === 'succeeded' ? 'succeeded' : `${state}${end.exitCode !== null ? ` (exit code ${end.exitCode})` : end.signal ? ` (${end.signal})` : ''}${end.error ? `: ${end.error}` : ''}`;
    (state === 'failed' ? this.o.log.error : this.o.log.info).call(this.o.log, `stage '${stageId}' of ${runDir} ${how}`);
    return end;
  }
}

/** Whether a live pid is the trainer of this stage (a recycled pid is not): its command line names the run and stage. */
function isTrainerOf(pid: number, runDir: string, stageId: string): boolean {
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
  const args = cmd.split('\0');
  return args.includes(runDir) && args.includes(stageId);
}
