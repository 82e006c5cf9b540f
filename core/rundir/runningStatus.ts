// The status a stage process keeps while it runs, shared by the built-in trainer's stage and the external
// trainers' bridge so both refuse a live duplicate and write the same running/ended records.
import { hostname } from 'node:os';
import type { ResolvedStage } from '../../protocol/recipe';
import type { StageStatus } from '../../protocol/runRecords';
import { readStageStatus } from './runDirReader';
import { processAlive } from '../launch/local';
import type { StageOutput } from './stageOutput';

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

/** The stage's previous status; throws when another live process on this host is running it. */
export function claimStage(runDir: string, stageId: string): StageStatus | undefined {
  const prev = readStageStatus(runDir, stageId).value;
  if (prev?.state === 'running' && prev.pid && prev.pid !== process.pid && prev.host === hostname() && processAlive(prev.pid)) {
    throw new Error(`stage ${stageId} is already running (pid ${prev.pid})`);
  }
  return prev;
}

export interface RunningStatus {
  /** The record as last written (updated in place). */
  readonly current: StageStatus;
  /** Patches the record, stamps `updated`, and writes it (status.json and stdout). */
  set(patch: Partial<StageStatus>): void;
}

/** Writes `running` now, keeping a SLURM job id and the launch target from the previous record. */
export function startRunningStatus(out: StageOutput, stage: ResolvedStage, prev: StageStatus | undefined): RunningStatus {
  const status: StageStatus = {
    ...(prev?.job_id ? { job_id: prev.job_id } : {}),
    stage: stage.id, state: 'running', target: prev?.target ?? stage.launch.target,
    pid: process.pid, host: hostname(), started: nowIso(), updated: nowIso(), step: 0, total_steps: stage.steps,
  };
  const setStatus = (patch: Partial<StageStatus>) => {
    Object.assign(status, patch, { updated: nowIso() });
    out.status({ ...status });
  };
  setStatus({});
  return { current: status, set: setStatus };
}
