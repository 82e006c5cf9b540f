// CPU time and resident memory of a SLURM job's running steps, from `sstat` (docs/ARCHITECTURE.md, "System
// metrics"). Fields and formats as SchedMD/slurm's src/sstat (checked at tag slurm-22-05-8-1, the Debian
// package here, and at 284c3b95f08a): --parsable2 joins fields with '|', --noheader drops the title line,
// --noconvert prints memory as plain bytes; AveCPU is per task, as [D-]HH:MM:SS or MM:SS (print.c
// _elapsed_time); -a lists every running step of the job (the batch step the stage runs in, and srun steps).
import { execFile } from 'node:child_process';

export const SSTAT_FIELDS = ['JobID', 'NTasks', 'AveCPU', 'AveRSS'] as const;

export const sstatArgs = (jobId: string): string[] => ['--noheader', '--parsable2', '--noconvert', '-a', '-j', jobId, `--format=${SSTAT_FIELDS.join(',')}`];

/** Seconds from a SLURM duration: D-HH:MM:SS, HH:MM:SS, MM:SS or MM:SS.mmm; undefined if it is none. */
export function slurmSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s);
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** Bytes from a SLURM size: plain bytes (--noconvert) or a number with a K/M/G/T/P suffix (powers of 1024). */
export function slurmBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]?)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

export interface JobUsage {
  cpuSeconds: number;
  rssBytes: number;
  steps: string[];
}

/** The job's usage summed over the steps sstat lists (each step: per-task average × tasks). */
export function parseSstat(stdout: string): JobUsage | undefined {
  const usage: JobUsage = { cpuSeconds: 0, rssBytes: 0, steps: [] };
  for (const line of stdout.split('\n')) {
    const [step, ntasks, aveCpu, aveRss] = line.trim().split('|');
    if (!step || aveCpu === undefined) continue;
    const n = Number(ntasks) || 1;
    const cpu = slurmSeconds(aveCpu);
    const rss = slurmBytes(aveRss ?? '');
    if (cpu === undefined && rss === undefined) continue;
    usage.cpuSeconds += (cpu ?? 0) * n;
    usage.rssBytes += (rss ?? 0) * n;
    usage.steps.push(step);
  }
  return usage.steps.length ? usage : undefined;
}

/** `final`: it will not get better (no sstat at all); otherwise the job may not be accounted yet (ask again). */
export type JobSample = { usage: JobUsage } | { absent: string; final?: boolean };

export function queryJob(jobId: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 10000): Promise<JobSample> {
  return new Promise((res) => {
    execFile('sstat', sstatArgs(jobId), { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null;
      if (e?.code === 'ENOENT') return res({ absent: 'sstat is not on PATH', final: true });
      const usage = parseSstat(stdout);
      if (usage) return res({ usage });
      const why = (stderr || (e ? e.message : '')).trim().split('\n')[0];
      res({ absent: `sstat reports nothing for job ${jobId}${why ? ` (${why.slice(0, 200)})` : ' (is JobAcctGatherType set on this cluster?)'}` });
    });
  });
}
