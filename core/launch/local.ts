// The `local` launch target: each stage is a child process in its own process group (detached, no shell),
// so cancel reaches every descendant. stderr goes straight into log.txt (an fd, not a pipe) and the trainer
// tolerates a closed stdout, so a stage survives the death of whoever launched it (a reloaded VS Code window)
// and can be re-attached by pid. A stage ends when its whole group is gone: leftovers of a leader that died
// are stopped (an external trainer dies with its bridge).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Launcher, StageExit, StageHandle, StageLaunch } from './target';
import { isPlainPid } from './trainerProcess';
import { groupHasLiving } from './processTree';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function processAlive(pid: number): boolean {
  if (!isPlainPid(pid)) return false; // 0 and negatives would probe process groups
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by a dead parent's init) is not alive for our purposes.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Grace periods (SIGTERM → SIGKILL). A stage's own process (the external trainers' bridge) gives its trainer
 * TRAINER_GRACE_MS; whoever stops the stage waits longer (STOP_GRACE_MS), so the bridge always escalates
 * first and records the stage as cancelled before its own group is killed.
 */
export const TRAINER_GRACE_MS = 30000;
export const STOP_GRACE_MS = 45000;
/** The environment variable that hands a stage its trainer grace (two thirds of the stopper's). */
export const TRAINER_GRACE_ENV = 'S2T_TRAINER_GRACE_MS';
export const trainerGraceFor = (stopGraceMs: number): number => Math.max(0, Math.floor((stopGraceMs * 2) / 3));
/** What is left of a stage's process group once its leader exited (orphans of a killed bridge) gets this long. */
const LEFTOVER_GRACE_MS = 5000;

/** Whether a process group still has a living member (killed members linger as zombies until reaped). */
export function groupAlive(pgid: number): boolean {
  if (!isPlainPid(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return groupHasLiving(pgid);
}

/** SIGTERM to the group, then SIGKILL to whatever is left after the grace period. Never group 0, 1 or -1. */
export async function terminateGroup(pgid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!isPlainPid(pgid)) throw new Error(`refusing to signal process group ${String(pgid)}`);
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (Date.now() < end && groupAlive(pgid)) await sleep(50);
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** After a stage's leader exited: stops what is left of its process group, if anything. */
async function reapGroup(pgid: number): Promise<void> {
  if (groupAlive(pgid)) await terminateGroup(pgid, LEFTOVER_GRACE_MS);
}

function exitOf(code: number | null, signal: NodeJS.Signals | null, cancelled: boolean): StageExit {
  if (code === 0) return { state: 'succeeded', exitCode: 0, signal: null };
  if (cancelled) return { state: 'cancelled', exitCode: code, signal };
  return {
    state: 'failed', exitCode: code, signal,
    error: signal ? `trainer killed by ${signal}` : `trainer exited with code ${code}`,
  };
}

export class LocalLauncher implements Launcher {
  readonly target = 'local' as const;

  async start(l: StageLaunch): Promise<StageHandle> {
    const [cmd, ...args] = l.argv;
    mkdirSync(dirname(l.logFile), { recursive: true }); // a stage folder removed by hand is made again, not an ENOENT
    const logFd = openSync(l.logFile, 'a');
    const child = spawn(cmd, args, {
      cwd: l.cwd, env: { ...process.env, ...l.env }, detached: true, shell: false,
      stdio: ['ignore', 'pipe', logFd],
    });
    closeSync(logFd);
    await new Promise<void>((res, rej) => {
      child.once('spawn', () => res());
      child.once('error', (err) => rej(new Error(`cannot start ${cmd}: ${err.message}`)));
    });
    const pid = child.pid!;
    let cancelled = false;
    const listeners: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => listeners.forEach((f) => f(line)));
    // The stage's processes die with it: whatever is left in its group once the leader exited is stopped
    // before the stage counts as ended (a trainer orphaned by a killed bridge would keep its GPUs).
    const exited = new Promise<StageExit>((res) => child.once('exit', (code, signal) => {
      void reapGroup(pid).then(() => res(exitOf(code, signal, cancelled)));
    }));
    return {
      target: 'local',
      id: String(pid),
      onStdoutLine: (f) => void listeners.push(f),
      wait: () => exited,
      async cancel(graceMs) {
        cancelled = true;
        await terminateGroup(pid, graceMs);
        await exited;
      },
      detach: () => undefined, // our own child: its exit event costs nothing to wait for
    };
  }

  /**
   * Watches a process we did not spawn (no exit code available: the stage's status.json tells how it ended).
   * The caller has checked that the pid is the stage's trainer (trainerProcess.checkTrainer).
   */
  attach(id: string): StageHandle | undefined {
    const pid = Number(id);
    if (!isPlainPid(pid) || !processAlive(pid)) return undefined;
    let cancelled = false;
    let detached = false;
    const exited = (async (): Promise<StageExit> => {
      while (processAlive(pid)) {
        await sleep(250);
        if (detached) await new Promise(() => undefined);
      }
      await reapGroup(pid);
      return cancelled
        ? { state: 'cancelled', exitCode: null, signal: 'SIGTERM' }
        : { state: 'failed', exitCode: null, signal: null, error: 'trainer process ended (exit status unknown after re-attach)' };
    })();
    return {
      target: 'local',
      id,
      onStdoutLine: () => undefined,
      wait: () => exited,
      async cancel(graceMs) {
        cancelled = true;
        await terminateGroup(pid, graceMs);
        await exited;
      },
      detach: () => void (detached = true),
    };
  }
}
