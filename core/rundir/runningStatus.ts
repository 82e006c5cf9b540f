// The status a stage process keeps while it runs, shared by the built-in trainer's stage and the external
// trainers' bridge so both refuse a live duplicate and write the same running/ended records (and both sample
// the stage's system metrics while it runs).
import { hostname } from 'node:os';
import type { ResolvedStage } from '../../protocol/recipe';
import { TERMINAL_STATES, type StageStatus } from '../../protocol/runRecords';
import { readStageStatus, stagePath } from './runDirReader';
import { removeStaleTemps } from './runDirWriter';
import { checkTrainer } from '../launch/trainerProcess';
import type { StageOutput } from './stageOutput';
import { stageSampler } from '../system/systemSampler';

/** What `see2think stage` hands a stage runner: the built-in trainer's or the external trainers' bridge. */
export interface RunStageOptions {
  runDir: string;
  stageId: string;
  /** Continue from the stage's own latest checkpoint (or from the start if it has none). */
  resume?: boolean;
  /** Discard the stage's earlier progress (metrics, traces, samples, checkpoints) and start over. */
  restart?: boolean;
  out?: StageOutput;
  /** True once a stop was requested; checked between steps. */
  cancelRequested?: () => boolean;
}

export type StageOutcome = 'succeeded' | 'failed' | 'cancelled';

export const nowIso = (): string => new Date().toISOString();

/**
 * The stage's previous status; throws when its live trainer on this host is running it. A recorded pid that is
 * now another program (reused), a zombie or gone does not hold the stage; another host's is taken over (the
 * user started this process by hand, on purpose).
 */
export function claimStage(runDir: string, stageId: string): StageStatus | undefined {
  const prev = readStageStatus(runDir, stageId).value;
  if (prev?.state === 'running' && prev.pid !== process.pid && prev.host === hostname()) {
    const t = checkTrainer(prev, runDir, stageId);
    if (t.kind === 'ours') throw new Error(`stage ${stageId} is already running (pid ${t.pid})`);
  }
  removeStaleTemps(stagePath(runDir, stageId));
  return prev;
}

export interface RunningStatus {
  /** The record as last written (updated in place). */
  readonly current: StageStatus;
  /** Patches the record, stamps `updated`, and writes it (status.json and stdout). */
  set(patch: Partial<StageStatus>): void;
}

/**
 * Writes `running` now, keeping a SLURM job id and the launch target from the previous record, and samples the
 * stage's GPUs and processes into its metric records until the status is terminal (core/system).
 */
export function startRunningStatus(out: StageOutput, stage: ResolvedStage, prev: StageStatus | undefined): RunningStatus {
  const status: StageStatus = {
    ...(prev?.job_id ? { job_id: prev.job_id } : {}),
    stage: stage.id, state: 'running', target: prev?.target ?? stage.launch.target,
    pid: process.pid, host: hostname(), started: nowIso(), updated: nowIso(), step: 0, total_steps: stage.steps,
  };
  const system = stageSampler((note) => out.log(`note: ${note}`))?.start();
  if (system) out.attachSystem(system);
  const setStatus = (patch: Partial<StageStatus>) => {
    Object.assign(status, patch, { updated: nowIso() });
    if (TERMINAL_STATES.includes(status.state)) system?.stop();
    out.status({ ...status });
  };
  setStatus({});
  return { current: status, set: setStatus };
}
