// The run directory's lock: one supervisor (one VS Code window) drives a run at a time, so two launches can
// never write one run directory. The lock names the window's pid and the trainer's, each with its start time;
// it counts as held while either is still that same process, so a reloaded window can adopt a trainer that
// outlived its old window and a reused pid holds nothing. Another host's lock is held until broken by hand.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../core/launch/local';
import { isPlainPid, processStart, sameProcessAlive } from '../../core/launch/trainerProcess';
import { writeJsonAtomic } from '../../core/rundir/runDirWriter';

export const LOCK_FILE = '.see2think.lock';

export interface RunLock {
  /** The extension host (supervisor) that drives the run. */
  hostPid: number;
  /** When that process started (processStart): a pid reused since then is not the holder. */
  hostStart?: string;
  host: string;
  /** The trainer process of the stage running now (local target). */
  trainerPid?: number;
  trainerStart?: string;
  stage?: string;
  /** Stages still to run, in order, the current one first: lets a reloaded window continue the chain. */
  plan: string[];
  /** Whether the first stage of the plan is a resume. */
  resume?: boolean;
  since: string;
}

export type LockResult = { ok: true; lock: RunLock } | { ok: false; reason: string; holder?: RunLock };

export const lockPath = (runDir: string) => join(runDir, LOCK_FILE);

export function readLock(runDir: string): RunLock | undefined {
  try {
    const v = JSON.parse(readFileSync(lockPath(runDir), 'utf8')) as RunLock;
    const ok = typeof v?.hostPid === 'number' && typeof v.host === 'string' && Array.isArray(v.plan) && v.plan.every((s) => typeof s === 'string')
      && (v.trainerPid === undefined || typeof v.trainerPid === 'number') && (v.stage === undefined || typeof v.stage === 'string');
    return ok ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock's holder may still write the run: its window or its trainer is alive (or on another host). */
export function lockHeld(lock: RunLock): boolean {
  if (lock.host !== hostname()) return true;
  return holderAlive(lock.hostPid, lock.hostStart) || holderAlive(lock.trainerPid, lock.trainerStart);
}

const holderAlive = (pid: unknown, start: unknown) =>
  isPlainPid(pid) && (typeof start === 'string' ? sameProcessAlive(pid, start) : processAlive(pid));

export function describeHolder(lock: RunLock): string {
  const who = lock.host !== hostname() ? `a VS Code window on ${lock.host}` : lock.hostPid === process.pid ? 'this window' : `another VS Code window (pid ${lock.hostPid})`;
  return `${who}${lock.stage ? `, running stage '${lock.stage}'${lock.trainerPid ? ` (pid ${lock.trainerPid})` : ''}` : ''}`;
}

/**
 * Takes the run's lock for this process. A lock whose holder is gone is replaced (atomically: the stale file
 * is renamed away first, so of two windows racing for it only one wins). `adoptTrainer`: a lock whose window
 * died but whose trainer (this pid) still runs may be taken over, to re-attach to that trainer after a reload.
 */
export function acquireLock(runDir: string, init: Pick<RunLock, 'plan' | 'stage' | 'trainerPid' | 'resume'>, adoptTrainer?: number): LockResult {
  const lock: RunLock = withStarts({ hostPid: process.pid, host: hostname(), since: new Date().toISOString(), ...init });
  const path = lockPath(runDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    const made = createExclusive(path, JSON.stringify(lock, null, 2) + '\n');
    if (made === true) return { ok: true, lock };
    if (made.code !== 'EEXIST') return { ok: false, reason: `cannot create ${path}: ${made.message}` };
    const holder = readLock(runDir);
    if (!holder) {
      // Unreadable: a lock being written this instant, or garbage left behind. Only old garbage is replaced.
      if (ageMs(path) < 5000) return { ok: false, reason: `${path} is being written by another process` };
    } else {
      const adoptable = adoptTrainer !== undefined && holder.trainerPid === adoptTrainer && holder.host === hostname()
        && holder.hostPid !== process.pid && !holderAlive(holder.hostPid, holder.hostStart);
      if (holder.hostPid === process.pid) return { ok: false, reason: `the run is already driven by this window${holder.stage ? ` (stage '${holder.stage}')` : ''}`, holder };
      if (lockHeld(holder) && !adoptable) return { ok: false, reason: `the run is driven by ${describeHolder(holder)}`, holder };
    }
    try {
      const aside = `${path}.stale-${process.pid}-${Date.now()}`;
      renameSync(path, aside);
      unlinkSync(aside);
    } catch {
      // Someone else moved it first: try again from the top.
    }
  }
  return { ok: false, reason: `could not take ${path} (contended)` };
}

/** Updates this process's lock (no-op if the lock is not ours). */
export function updateLock(runDir: string, patch: Partial<Omit<RunLock, 'hostPid' | 'host'>>): void {
  const cur = readLock(runDir);
  if (!cur || cur.hostPid !== process.pid || cur.host !== hostname()) return;
  writeJsonAtomic(lockPath(runDir), withStarts({ ...cur, ...patch, ...(patch.trainerPid !== cur.trainerPid ? { trainerStart: undefined } : {}) }));
}

/** Fills in the start times of the lock's pids (so a later reader can tell a reused pid). */
function withStarts(lock: RunLock): RunLock {
  const out = { ...lock };
  if (out.hostStart === undefined) out.hostStart = processStart(out.hostPid);
  if (out.trainerPid !== undefined && out.trainerStart === undefined) out.trainerStart = processStart(out.trainerPid);
  return out;
}

/**
 * Removes the lock whoever holds it (the Break Lock command, after the user confirmed): for a lock whose holder
 * can never release it, e.g. one written on a host that no longer exists. Returns the lock it removed.
 */
export function breakLock(runDir: string): RunLock | undefined {
  const cur = readLock(runDir);
  const path = lockPath(runDir);
  const aside = `${path}.broken-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
    unlinkSync(aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return cur;
}

/** Removes this process's lock (never someone else's). */
export function releaseLock(runDir: string): void {
  const cur = readLock(runDir);
  if (cur && cur.hostPid === process.pid && cur.host === hostname()) {
    try {
      unlinkSync(lockPath(runDir));
    } catch {
      // already gone
    }
  }
}

/** Creates `path` with `text` only if it does not exist; a file it created but could not fill (ENOSPC) is removed. */
function createExclusive(path: string, text: string): true | NodeJS.ErrnoException {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  try {
    writeSync(fd, text);
    closeSync(fd);
    return true;
  } catch (err) {
    closeSync(fd);
    unlinkSync(path);
    return err as NodeJS.ErrnoException;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}
