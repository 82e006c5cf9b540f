// CPU time and resident memory of a process and all its descendants (the stage process, the trainer it runs,
// that trainer's workers), read from Linux /proc: /proc/<pid>/stat for parent and CPU ticks (utime + stime,
// fields 14–15, in USER_HZ = 100 ticks per second on Linux), /proc/<pid>/status VmRSS (kB). Elsewhere: none.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: the unit of /proc/<pid>/stat times (100 on every mainstream architecture). */
export const TICKS_PER_SECOND = 100;

export interface TreeUsage {
  /** CPU seconds the live processes of the tree have used so far (user + system). */
  cpuSeconds: number;
  rssBytes: number;
  pids: number;
}

interface Stat {
  ppid: number;
  ticks: number;
}

/** Parent pid and CPU ticks from a /proc/<pid>/stat line (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): Stat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(f[1]);
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { ppid, ticks } : undefined;
}

/** VmRSS in bytes from /proc/<pid>/status (absent for kernel threads and zombies: 0). */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile
  }
};

/** The tree under `root` (inclusive) as it stands now; undefined where there is no /proc or no such process. */
export function treeUsage(root: number, proc = '/proc'): TreeUsage | undefined {
  let names: string[];
  try {
    names = readdirSync(proc);
  } catch {
    return undefined;
  }
  const stats = new Map<number, Stat>();
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const s = read(`${proc}/${n}/stat`);
    const st = s && parseProcStat(s);
    if (st) stats.set(Number(n), st);
  }
  if (!stats.has(root)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, st] of stats) {
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const usage: TreeUsage = { cpuSeconds: 0, rssBytes: 0, pids: 0 };
  const todo = [root];
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    usage.pids++;
    usage.cpuSeconds += stats.get(pid)!.ticks / TICKS_PER_SECOND;
    usage.rssBytes += parseVmRss(read(`${proc}/${pid}/status`) ?? '');
    todo.push(...(children.get(pid) ?? []));
  }
  return usage;
}
