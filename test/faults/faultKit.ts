// Shared pieces of the fault tests: the bundled CLI as a user runs it (bin/see2think.js, built once), processes
// of a run found in the process table, SIGKILL of whole process groups, a seeded random source, and a tiny
// tmpfs to fill (ENOSPC) — these tests run real processes and need root only for the tmpfs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'see2think.js');
export const CLI_JS = join(ROOT, 'dist', 'cli.js');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let built = false;

/** Builds dist/ once per test process: these tests run the CLI a user runs, so never a stale bundle. */
export function ensureBuilt(): void {
  if (built && existsSync(CLI_JS)) return;
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  built = true;
}

export interface Cli {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** `see2think <args>` in its own process group (as a terminal job would be). */
export function startCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** Live (non-zombie) processes whose command line contains `needle`, with their process groups. */
export function processesWith(needle: string): { pid: number; pgid: number }[] {
  const out: { pid: number; pgid: number }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!cmd.includes(needle)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z') out.push({ pid: Number(p), pgid: Number(f[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** SIGKILL to each process group (never 0, 1 or our own). */
export function killGroups(pgids: Iterable<number>): void {
  const own = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
  for (const g of new Set(pgids)) {
    if (!Number.isSafeInteger(g) || g <= 1 || g === own) continue;
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** mulberry32: the kill moments are reproducible from the printed seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tmpfs of `bytes` at a new folder (root only); undefined (with the reason) where it cannot be mounted. */
export function mountTmpfs(dir: string, bytes: number): { dir: string; unmount: () => void } | { error: string } {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `cannot mount a tmpfs (${(r.stderr || r.error?.message || '').trim()}): these tests need root` };
  return {
    dir,
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system of `dir` until only `leaveBytes` (rounded down to blocks) are free; returns the filler. */
export function fillLeaving(dir: string, leaveBytes: number): string {
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const filler = join(dir, `.filler-${Date.now()}`);
  const want = Math.max(0, free - Math.ceil(leaveBytes / s.bsize) * s.bsize);
  const block = Buffer.alloc(1 << 20, 0x61);
  const fd = openSync(filler, 'w');
  try {
    for (let left = want; left > 0; ) {
      const n = writeSync(fd, block, 0, Math.min(block.length, left));
      left -= n;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return filler;
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export function writeRecipe(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
