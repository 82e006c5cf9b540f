// The process table (who started whom, which group, which are zombies), and stopping one child with everything
// it started from inside a process that shares its group (the external trainers' bridge keeps its trainer in its
// own group, so a stop of the stage reaches both): SIGTERM to the child, then SIGKILL to it and its descendants
// after the grace period. Descendants come from the parent links and are re-checked by start time before a kill.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isPlainPid, processInfo, sameProcessAlive } from './trainerProcess';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  ppid: number;
  pgid: number;
  zombie: boolean;
}

/** The process table: pid → parent, group, zombie (/proc on Linux, ps elsewhere). */
function processTable(): Map<number, Row> {
  const rows = new Map<number, Row>();
  if (process.platform === 'linux') {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        rows.set(Number(name), { ppid: Number(f[1]), pgid: Number(f[2]), zombie: f[0] === 'Z' });
      } catch {
        // exited meanwhile
      }
    }
    return rows;
  }
  try {
    for (const line of execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'stat='], { encoding: 'utf8', timeout: 5000 }).split('\n')) {
      const [pid, ppid, pgid, stat] = line.trim().split(/\s+/);
      if (Number(pid)) rows.set(Number(pid), { ppid: Number(ppid), pgid: Number(pgid), zombie: (stat ?? '').startsWith('Z') });
    }
  } catch {
    // no ps: nothing is known
  }
  return rows;
}

/** Whether a process group has a member that has not exited (zombies waiting to be reaped do not count). */
export function groupHasLiving(pgid: number): boolean {
  const table = processTable();
  if (!table.size) return true; // nothing to tell zombies apart with
  for (const row of table.values()) if (row.pgid === pgid && !row.zombie) return true;
  return false;
}

/** The pids below `pid` (children, grandchildren …), with their start times. */
export function descendants(pid: number): { pid: number; start: string }[] {
  const table = processTable();
  const below = new Set<number>([pid]);
  const out: { pid: number; start: string }[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, row] of table) {
      if (below.has(row.ppid) && !below.has(p)) {
        below.add(p);
        const start = processInfo(p)?.start;
        if (start !== undefined) out.push({ pid: p, start });
        grew = true;
      }
    }
  }
  return out;
}

/** SIGTERM to `pid`; after `graceMs` (or once it exited), SIGKILL to it and to what it had started. */
export async function terminateTree(pid: number, graceMs: number, exited: () => boolean): Promise<void> {
  if (!isPlainPid(pid)) throw new Error(`refusing to signal ${String(pid)}`);
  const start = processInfo(pid)?.start;
  const known = new Map(descendants(pid).map((d) => [d.pid, d.start]));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const end = Date.now() + graceMs;
  for (let i = 1; Date.now() < end && !exited(); i++) {
    await sleep(50);
    if (i % 10 === 0) for (const d of descendants(pid)) known.set(d.pid, d.start);
  }
  if (!exited() && start !== undefined && sameProcessAlive(pid, start)) {
    for (const d of descendants(pid)) known.set(d.pid, d.start);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  // Whatever it started and left behind (reparented once it died) goes too, if still the same process.
  for (const [p, s] of known) {
    if (!sameProcessAlive(p, s)) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
