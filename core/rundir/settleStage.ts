// When a stage's process ended without recording how (it crashed before writing its status, was killed, or never
// started), whoever launched it records the end: failed or cancelled, with the exit code or signal and the last
// lines of log.txt, so the run directory always says what happened. The CLI and the extension both use this.
import { RUN_FILES, TERMINAL_STATES, type StageStatus } from '../../protocol/runRecords';
import type { StageExit } from '../launch/target';
import { StageWriter } from './runDirWriter';
import { readStageStatus, stagePath } from './runDirReader';
import { lastLines } from './logLines';
import { openRun } from './runDir';

/** Writes a terminal status from what the launcher knows; keeps everything the trainer already wrote. */
export function recordStageEnd(
  runDir: string, stageId: string, cur: StageStatus | undefined, state: 'failed' | 'cancelled',
  exitCode: number | null, signal: string | null, error: string | undefined, tail: string[],
): StageStatus {
  const now = new Date().toISOString();
  let total = cur?.total_steps;
  if (total === undefined) {
    try {
      total = openRun(runDir).recipe.stages.find((s) => s.id === stageId)?.steps ?? 0;
    } catch {
      total = 0;
    }
  }
  const st: StageStatus = {
    ...(cur ?? { stage: stageId, target: 'local' as const, total_steps: total }),
    state, exit_code: exitCode, signal, ended: now, updated: now,
    error: [error ?? `the stage ${state}`, ...(state === 'failed' && tail.length ? ['last lines of log.txt:', ...tail.slice(-6)] : [])].join('\n'),
  };
  new StageWriter(runDir, stageId).status(st);
  return st;
}

/**
 * The stage's final status after its process exited: what the trainer wrote if it wrote an end, else an end
 * recorded from the exit (an exit 0 without a recorded success counts as a failure: the files are the truth).
 */
export function settleStage(runDir: string, stageId: string, exit: StageExit): { status: StageStatus; logTail: string[] } {
  const logTail = lastLines(stagePath(runDir, stageId, RUN_FILES.log), 12);
  const cur = readStageStatus(runDir, stageId).value;
  if (cur && TERMINAL_STATES.includes(cur.state)) return { status: cur, logTail };
  const state = exit.state === 'succeeded' ? 'failed' : exit.state;
  const error = exit.state === 'succeeded' ? 'the trainer exited 0 without recording that the stage succeeded' : exit.error;
  return { status: recordStageEnd(runDir, stageId, cur, state, exit.exitCode, exit.signal, error, logTail), logTail };
}
