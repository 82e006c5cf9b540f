// Which recorded pid may be treated as a stage's trainer. status.json and the lock come from the run folder,
// which a repository can ship: a pid there is signalled (or trusted to be busy) only when it is a plain
// pid > 1, recorded on this host, alive, the leader of its own process group, and its command line names
// that run directory and stage. Anything else is "not ours" — never signalled. See docs/ARCHITECTURE.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface ProcessInfo {
  pid: number;
  /** Process group id. */
  pgid: number;
  /** A zombie: exited, not yet reaped. */
  zombie: boolean;
  /** When it started, in a form only compared for equality (clock ticks since boot on Linux). */
  start: string;
  /** Its argument vector (best effort off Linux: split on blanks). */
  argv: string[];
}

/** A value that may be signalled at all: an integer above 1 (0, 1 and negatives address groups or init). */
export const isPlainPid = (pid: unknown): pid is number => typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1;

/** What the process table says about a pid, or undefined when there is no such process. */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!isPlainPid(pid)) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux' ? undefined : psInfo(pid);
  }
  // "pid (comm) state ppid pgrp session … starttime(22nd)": comm may hold blanks and parentheses.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    // it just exited
  }
  return { pid, pgid: Number(f[2]), zombie: f[0] === 'Z', start: f[19] ?? '', argv };
}

/** Off Linux: ps (POSIX fields). */
function psInfo(pid: number): ProcessInfo | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'pgid=', '-o', 'stat=', '-o', 'lstart=', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(out.trim());
    if (!m) return undefined;
    return { pid, pgid: Number(m[1]), zombie: m[2].startsWith('Z'), start: m[3], argv: m[4].split(/\s+/) };
  } catch {
    return undefined;
  }
}

/** The process's start time (undefined when it is gone): recorded next to a pid so a reused pid is told apart. */
export const processStart = (pid: number): string | undefined => processInfo(pid)?.start;

/** Alive and not a zombie, and (when `start` is given) still the process that was recorded. */
export function sameProcessAlive(pid: number, start?: string): boolean {
  const p = processInfo(pid);
  return !!p && !p.zombie && (start === undefined || p.start === start);
}

export type TrainerCheck =
  | { kind: 'ours'; pid: number }
  /** Recorded by another host (a shared file system): nothing here can tell whether it lives. */
  | { kind: 'elsewhere'; host: string; pid?: number }
  /** Not a live trainer of this stage on this host: dead, a zombie, a reused pid, pid 1, no pid. */
  | { kind: 'gone'; why: string };

/**
 * Whether a stage's recorded pid is its live trainer here. A status without a host counts as this host's
 * (older trainers did not record it), so its pid must pass every other check.
 */
export function checkTrainer(st: { pid?: unknown; host?: unknown }, runDir: string, stageId: string): TrainerCheck {
  if (typeof st.host === 'string' && st.host !== hostname()) return { kind: 'elsewhere', host: st.host, pid: isPlainPid(st.pid) ? st.pid : undefined };
  if (st.pid === undefined) return { kind: 'gone', why: 'no pid was recorded' };
  if (!isPlainPid(st.pid)) return { kind: 'gone', why: `the recorded pid ${JSON.stringify(st.pid)?.slice(0, 40)} is not a process id` };
  const p = processInfo(st.pid);
  if (!p) return { kind: 'gone', why: `the trainer (pid ${st.pid}) is no longer running` };
  if (p.zombie) return { kind: 'gone', why: `the trainer (pid ${st.pid}) has exited` };
  if (p.pgid !== p.pid) return { kind: 'gone', why: `pid ${st.pid} is not the leader of its process group (not a trainer this tool started)` };
  if (!namesStage(p.argv, runDir, stageId)) return { kind: 'gone', why: `pid ${st.pid} is another program now (not stage '${stageId}' of this run)` };
  return { kind: 'ours', pid: st.pid };
}

/** `… stage <runDir> <stageId> …`: how every launcher starts a stage (core/launch/index.ts stageArgv). */
function namesStage(argv: string[], runDir: string, stageId: string): boolean {
  const i = argv.indexOf('stage');
  return i >= 0 && argv[i + 1] !== undefined && resolve(argv[i + 1]) === resolve(runDir) && argv[i + 2] === stageId;
}
