// The GPUs a stage uses, from `nvidia-smi` in query mode (docs/ARCHITECTURE.md, "System metrics"). Field names
// are nvidia-smi's documented `--help-query-gpu` names; the output format (`--format=csv,noheader,nounits`:
// one line per GPU, values joined by ", ", "[N/A]" or "[Not Supported]" where a board cannot say) is kept as
// fixtures in test/fixtures/system/ with their sources.
import { execFile } from 'node:child_process';

/** The query fields, in output order. memory.* are MiB and power.draw W with `nounits`; utilization.gpu is %. */
export const GPU_FIELDS = ['index', 'uuid', 'utilization.gpu', 'memory.used', 'memory.total', 'power.draw'] as const;

export const nvidiaSmiArgs = (): string[] => [`--query-gpu=${GPU_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

export interface GpuReading {
  index: string;
  uuid: string;
  /** null: the board does not report it ("[N/A]", "[Not Supported]"). */
  utilPct: number | null;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  powerW: number | null;
}

const value = (s: string | undefined): number | null => {
  const t = (s ?? '').trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
};

/** One reading per line of nvidia-smi's query output; lines that are not one are skipped. */
export function parseGpuQuery(stdout: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of stdout.split('\n')) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== GPU_FIELDS.length || !/^\d+$/.test(cells[0])) continue;
    out.push({ index: cells[0], uuid: cells[1], utilPct: value(cells[2]), memUsedMiB: value(cells[3]), memTotalMiB: value(cells[4]), powerW: value(cells[5]) });
  }
  return out;
}

/**
 * The GPUs CUDA_VISIBLE_DEVICES names (by index or UUID), when every name it lists is one nvidia-smi shows;
 * otherwise all of them (a SLURM job's devices may be renumbered from 0 while nvidia-smi keeps the node's
 * numbering: then the job sees only its own GPUs anyway).
 */
export function visibleGpus(rows: GpuReading[], cudaVisible: string | undefined): GpuReading[] {
  const names = (cudaVisible ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) return rows;
  const picked = names.map((n) => rows.find((r) => r.index === n || r.uuid === n || (n.startsWith('GPU-') && r.uuid.startsWith(n))));
  return picked.every((r) => r) ? [...new Set(picked as GpuReading[])] : rows;
}

export type GpuSample = { gpus: GpuReading[] } | { absent: string };

/** Runs nvidia-smi once. Without it, or without a GPU, says why instead (a note for the stage log, not an error). */
export function queryGpus(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10000): Promise<GpuSample> {
  return new Promise((res) => {
    execFile('nvidia-smi', nvidiaSmiArgs(), { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null;
      if (e?.code === 'ENOENT') return res({ absent: 'nvidia-smi is not on PATH (no NVIDIA driver on this machine)' });
      const gpus = visibleGpus(parseGpuQuery(stdout), env.CUDA_VISIBLE_DEVICES);
      if (gpus.length) return res({ gpus });
      const why = (stderr || stdout || (e ? e.message : '')).trim().split('\n')[0];
      res({ absent: `nvidia-smi shows no GPU${why ? ` (${why.slice(0, 200)})` : ''}` });
    });
  });
}
