// The `local` launch target: each stage is a child process in its own process group (detached, no shell),
// so cancel reaches every descendant. stderr goes straight into log.txt (an fd, not a pipe) and the trainer
// tolerates a closed stdout, so a stage survives the death of whoever launched it (a reloaded VS Code window)
// and can be re-attached by pid.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Launcher, StageExit, StageHandle, StageLaunch } from './target';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function processAlive(pid: number): boolean {
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

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the group, then SIGKILL to whatever is left after the grace period. */
export async function terminateGroup(pgid: number, graceMs = 10000): Promise<void> {
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
    const exited = new Promise<StageExit>((res) => child.once('exit', (code, signal) => res(exitOf(code, signal, cancelled))));
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
    };
  }

  /** Watches a process we did not spawn (no exit code available: the stage's status.json tells how it ended). */
  attach(id: string): StageHandle | undefined {
    const pid = Number(id);
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined;
    let cancelled = false;
    const exited = (async (): Promise<StageExit> => {
      while (processAlive(pid)) await sleep(250);
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
    };
  }
}
