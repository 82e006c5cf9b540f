// The run supervisor: runs each stage of a run as a trainer child process (local) or job, one after another
// (stage k+1 once k succeeded), streams the trainer's stdout records into the store, copies its log into the
// output channel, and settles every ending: a trainer that died without saying how is recorded as failed with
// its exit code and last log lines. It holds the run directory's lock while it drives a run, and after a window
// reload re-attaches to trainers that outlived the old window. A pid read from the run folder is signalled only
// when it is this stage's trainer on this host (core/launch/trainerProcess.ts); stages another host runs are left
// to it. Node only (no 'vscode'); UI lives in commands/.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { RUN_FILES, TERMINAL_STATES, type LaunchTarget, type StageStatus } from '../../protocol/runRecords';
import type { Launcher, StageExit, StageHandle } from '../../core/launch/target';
import { launcherFor as defaultLauncherFor, stageArgv } from '../../core/launch/index';
import { STOP_GRACE_MS, TRAINER_GRACE_ENV, trainerGraceFor } from '../../core/launch/local';
import { checkTrainer } from '../../core/launch/trainerProcess';
import { readStageStatus, stagePath } from '../../core/rundir/runDirReader';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { createRun, openRun, type OpenRun } from '../../core/rundir/runDir';
import { Emitter } from './emitter';
import { acquireLock, breakLock, describeHolder, lockHeld, readLock, releaseLock, updateLock, type RunLock } from './runLock';
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
  /**
   * Asked on recovery before a chain left in a lock (a window that closed between two stages, or a lock file
   * that came with the workspace) is continued. Without it, such chains are not continued.
   */
  confirmContinue?: (runDir: string, stages: string[]) => Promise<boolean>;
  /** SIGTERM → SIGKILL grace when stopping (ms); the stage's own trainer grace is two thirds of it. */
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

export interface RecoverResult {
  attached: string[];
  /** Runs whose chain is waiting for the user's answer (confirmContinue) before it continues. */
  asked: string[];
  failed: string[];
  /** `<runDir>#<stage>` running on another host (left to it). */
  elsewhere: string[];
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

  private get grace(): number {
    return this.o.graceMs ?? STOP_GRACE_MS;
  }

  get jobs(): RunJob[] {
    return [...this.jobMap.values()];
  }

  job(runDir: string): RunJob | undefined {
    return this.jobMap.get(runDir);
  }

  /** Who holds the run's lock, when someone other than this window does (for the Runs view and Break Lock). */
  lockedBy(runDir: string): string | undefined {
    const lock = readLock(runDir);
    return lock && lock.hostPid !== process.pid && lockHeld(lock) ? describeHolder(lock) : undefined;
  }

  /** Removes the run's lock whoever holds it (after the user confirmed: Break Lock); never one this window drives. */
  breakLock(runDir: string): RunLock | undefined {
    if (this.jobMap.has(runDir)) throw new Error(`${runDir} is driven by this window: stop it instead`);
    const lock = breakLock(runDir);
    this.jobsChanged.fire();
    return lock;
  }

  /** Why a run cannot be launched in now (someone drives it, or a stage of it is running), or undefined. */
  busyReason(runDir: string): string | undefined {
    if (this.jobMap.has(runDir)) return 'it is already running in this window';
    const lock = readLock(runDir);
    if (lock && lockHeld(lock)) return lock.host === hostname() ? `it is driven by another process (pid ${lock.hostPid})` : `it is driven from host ${lock.host}`;
    for (const s of this.o.store.get(runDir)?.stages ?? []) {
      const st = s.status;
      if (st?.state !== 'running') continue;
      const t = checkTrainer(st, runDir, s.id);
      if (t.kind === 'elsewhere') return `stage '${s.id}' is running on host ${t.host}`;
      if (st.target === 'local' && t.kind === 'ours') return `stage '${s.id}' is running (pid ${t.pid}), started outside this window`;
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

  /**
   * Asks the running stage of a run to stop (SIGTERM to its whole process group, SIGKILL after the grace
   * period). A stage this window did not start is stopped only when its recorded pid is its trainer here;
   * `refused` hears why a running stage was not stopped.
   */
  async stop(runDir: string, refused?: (why: string) => void): Promise<boolean> {
    const job = this.jobMap.get(runDir);
    if (job) {
      job.stopping = true;
      this.o.log.info(`stopping ${runDir}${job.handle ? ` (stage '${job.stages[job.index]}', ${job.handle.target} ${job.handle.id})` : ''}`);
      await job.handle?.cancel(this.grace);
      await job.done;
      return true;
    }
    // A stage started elsewhere (the CLI, another window that is gone): stop its process group directly.
    for (const s of this.o.store.get(runDir)?.stages ?? []) {
      const st = readStageStatus(runDir, s.id).value;
      if (st?.state !== 'running' || st.target !== 'local') continue;
      const t = checkTrainer(st, runDir, s.id);
      if (t.kind !== 'ours') {
        const why = t.kind === 'elsewhere' ? `stage '${s.id}' runs on host ${t.host}: stop it there` : `stage '${s.id}' is marked running, but ${t.why}: nothing to stop (Resume settles it)`;
        this.o.log.warn(`not stopping ${runDir}: ${why}`);
        refused?.(why);
        continue;
      }
      const handle = this.launcher('local').attach(String(t.pid), { runDir, stageId: s.id, logFile: stagePath(runDir, s.id, RUN_FILES.log) });
      if (!handle) continue;
      this.o.log.info(`stopping stage '${s.id}' of ${runDir} (pid ${t.pid}, not started by this window)`);
      await handle.cancel(this.grace);
      await this.settle(runDir, s.id, { state: 'cancelled', exitCode: null, signal: 'SIGTERM' });
      return true;
    }
    return false;
  }

  /**
   * After a window reload (or on activation): stages whose status says running are re-attached when their
   * trainer lives and the window that drove them is gone (the chain then continues), and recorded as failed,
   * with what they wrote, when their trainer is dead. Runs another live window drives, and stages another host
   * runs, are left alone. A chain left in a lock between two stages continues only once the user agrees.
   * One run's problem (an unreadable folder, a full disk) never stops the others'.
   */
  async recover(): Promise<RecoverResult> {
    const r: RecoverResult = { attached: [], asked: [], failed: [], elsewhere: [] };
    for (const snap of this.o.store.runs()) {
      if (this.jobMap.has(snap.dir)) continue;
      try {
        this.recoverRun(snap.dir, snap.stages.map((s) => s.id), r);
      } catch (err) {
        this.o.log.error(`recovering ${snap.dir}: ${(err as Error).message}`);
      }
    }
    return r;
  }

  private recoverRun(runDir: string, stageIds: string[], r: RecoverResult): void {
    const lock = readLock(runDir);
    if (lock && lock.hostPid !== process.pid && lockHeld({ ...lock, trainerPid: undefined })) return;
    let handled = false;
    for (const id of stageIds) {
      const st = readStageStatus(runDir, id).value;
      if (st?.state !== 'running') continue;
      handled = true;
      const t = checkTrainer(st, runDir, id);
      if (t.kind === 'elsewhere') {
        r.elsewhere.push(`${runDir}#${id}`);
        continue;
      }
      if (st.target !== 'local') {
        // A batch job: watched only when its lock is ours first, and never in Restricted Mode.
        if (st.job_id && lock && (this.o.canLaunch?.() ?? true) && this.adopt(runDir, id, st.target, st.job_id, lock.plan)) r.attached.push(runDir);
        continue;
      }
      if (t.kind === 'ours') {
        if (lock && lock.trainerPid === t.pid && this.adopt(runDir, id, 'local', String(t.pid), lock.plan)) r.attached.push(runDir);
        continue;
      }
      // Read again: the trainer may have written its end between our two reads.
      const again = readStageStatus(runDir, id).value;
      if (again?.state !== 'running') continue;
      const tail = lastLines(stagePath(runDir, id, RUN_FILES.log), 12);
      const why = `${t.why}, and it did not record how the stage ended (found when this window started)`;
      recordStageEnd(runDir, id, again, 'failed', null, null, why, tail);
      this.dropStaleLock(runDir);
      r.failed.push(`${runDir}#${id}`);
      this.stageEnded.fire({ runDir, stageId: id, state: 'failed', exitCode: null, signal: null, error: why, logTail: tail });
      this.o.store.refresh(runDir);
    }
    if (handled || !lock || lockHeld(lock)) return;
    // The window died between two stages of a chain (or the lock came with the workspace): continuing it is
    // a launch, so only where launching is allowed and once the user said yes.
    const state = (id: string) => readStageStatus(runDir, id).value?.state ?? 'pending';
    const remaining = lock.plan.filter((id) => state(id) !== 'succeeded');
    if (remaining.length && state(remaining[0]) === 'pending' && (this.o.canLaunch?.() ?? true) && this.o.confirmContinue) {
      r.asked.push(runDir);
      void this.askToContinue(runDir, remaining, lock);
    } else {
      this.dropStaleLock(runDir);
    }
  }

  private async askToContinue(runDir: string, stages: string[], lock: RunLock): Promise<void> {
    let yes = false;
    try {
      yes = await this.o.confirmContinue!(runDir, stages);
    } catch {
      yes = false;
    }
    if (this.disposed) return;
    const now = readLock(runDir);
    if (!yes || !now || now.since !== lock.since || now.hostPid !== lock.hostPid || lockHeld(now)) {
      if (!yes) {
        this.o.log.info(`not continuing the chain of ${runDir} (${stages.join(' → ')})`);
        this.dropStaleLock(runDir);
      }
      return;
    }
    try {
      const job = await this.runStages(runDir, stages);
      this.o.log.info(`continued the chain of ${runDir}: ${job.stages.join(' → ')}`);
    } catch (err) {
      this.o.log.warn(`could not continue ${runDir}: ${(err as Error).message}`);
    }
  }

  private dropStaleLock(runDir: string): void {
    const lock = readLock(runDir);
    if (lock && !lockHeld(lock) && acquireLock(runDir, { plan: [] }).ok) releaseLock(runDir);
  }

  /** Stops watching (trainers keep running and the locks stay: the next window re-attaches). */
  dispose(): void {
    this.disposed = true;
    for (const job of this.jobMap.values()) job.handle?.detach();
    for (const e of [this.stageEnded, this.progressed, this.jobsChanged]) e.dispose();
  }

  // ------------------------------------------------------------------ internals

  private launcher(target: LaunchTarget): Launcher {
    return (this.o.launcherFor ?? defaultLauncherFor)(target);
  }

  /** Takes the run's lock, then watches the stage (never a watcher without the lock: it would poll unowned). */
  private adopt(runDir: string, stageId: string, target: LaunchTarget, id: string, plan: string[]): boolean {
    const stages = plan[0] === stageId ? plan : [stageId];
    const pid = target === 'local' ? Number(id) : undefined;
    const took = acquireLock(runDir, { plan: stages, stage: stageId, trainerPid: pid }, pid);
    if (!took.ok) {
      this.o.log.warn(`not re-attaching to ${runDir}: ${took.reason}`);
      return false;
    }
    let handle: StageHandle | undefined;
    let run: OpenRun | undefined;
    try {
      run = openRun(runDir);
      handle = this.launcher(target).attach(id, { runDir, stageId, logFile: stagePath(runDir, stageId, RUN_FILES.log) });
    } catch (err) {
      this.o.log.warn(`cannot re-attach to ${target} ${id} of ${runDir}: ${(err as Error).message}`);
    }
    if (!handle || !run) {
      releaseLock(runDir);
      return false;
    }
    this.o.log.info(`re-attached to stage '${stageId}' of ${runDir} (${target} ${id}); ${stages.length - 1} more stage(s) to run after it`);
    this.begin(run, stages, false, handle);
    return true;
  }

  private begin(run: OpenRun, stages: string[], resumeFirst: boolean, attachedHandle?: StageHandle): RunJob {
    let resolve!: (r: JobResult) => void;
    const done = new Promise<JobResult>((r) => (resolve = r));
    const job: MutableJob = { runDir: run.runDir, stages, index: 0, attached: !!attachedHandle, stopping: false, done, resolve };
    this.jobMap.set(run.runDir, job);
    this.jobsChanged.fire();
    // Whatever happens while driving (a full disk under the lock or status.json), the job ends, the lock goes
    // and everyone waiting on it (Stop, the progress notification) is released.
    void this.drive(job, run, resumeFirst, attachedHandle)
      .catch((err): JobResult => {
        this.o.log.error(`${run.runDir}: ${(err as Error).message}`);
        return { runDir: run.runDir, state: 'failed', ends: [] };
      })
      .then((r) => {
        this.jobMap.delete(run.runDir);
        for (const step of [() => releaseLock(run.runDir), () => this.o.store.refresh(run.runDir), () => this.o.store.flush()]) {
          try {
            step();
          } catch (err) {
            this.o.log.error(`${run.runDir}: ${(err as Error).message}`);
          }
        }
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
      let end: StageEnd;
      try {
        updateLock(run.runDir, { plan: job.stages.slice(i), stage: stageId, trainerPid: undefined, resume: i === 0 && resumeFirst });
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
          env: { ...this.o.env, ...(run.recipe.model.env ?? {}), ...(stage.launch.env ?? {}), [TRAINER_GRACE_ENV]: String(trainerGraceFor(this.grace)) },
        });
      } catch (err) {
        return this.settle(runDir, stageId, { state: 'failed', exitCode: null, signal: null, error: (err as Error).message });
      }
    }
    job.handle = handle;
    job.attached = !!attached;
    if (handle.target === 'local') {
      try {
        updateLock(runDir, { trainerPid: Number(handle.id), stage: stageId });
      } catch (err) {
        this.o.log.error(`${runDir}: cannot record the trainer in the lock: ${(err as Error).message}`);
      }
    }
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
    if (job.stopping) void handle.cancel(this.grace);
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

  /**
   * Records how a stage ended when its trainer did not (or could not), and describes the ending. When the end
   * cannot be written (a full disk), what the trainer last streamed and the exit say it, with why.
   */
  private async settle(runDir: string, stageId: string, exit: StageExit): Promise<StageEnd> {
    let st: StageStatus;
    let logTail: string[] = [];
    try {
      ({ status: st, logTail } = settleStage(runDir, stageId, exit));
      this.o.store.refresh(runDir);
      this.o.store.flush();
    } catch (err) {
      const streamed = this.o.store.get(runDir)?.stages.find((s) => s.id === stageId)?.status;
      const known = streamed && TERMINAL_STATES.includes(streamed.state) ? streamed : undefined;
      const state = known?.state ?? (exit.state === 'succeeded' ? 'failed' : exit.state);
      const why = [known?.error ?? exit.error, `its end could not be recorded in status.json: ${(err as Error).message}`].filter(Boolean).join('; ');
      st = { ...(streamed ?? { stage: stageId, target: 'local', total_steps: 0 }), state, error: why, updated: new Date().toISOString() };
    }
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


