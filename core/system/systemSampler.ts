// GPU and system metrics of a running stage (docs/ARCHITECTURE.md, "System metrics"): sampled every few seconds
// inside the stage process — on the machine with the GPUs, for exactly as long as the stage runs, local or as
// a SLURM job — and written with the stage's next metric record as the `system/…` family: GPU utilisation,
// memory and power from nvidia-smi; CPU and RSS of the stage's process tree from /proc, or of its SLURM job
// from sstat. A missing nvidia-smi or sstat is a note in the stage log, once, and those metrics are absent.
import { METRICS } from '../../protocol/metrics';
import { queryGpus, type GpuReading, type GpuSample } from './gpuQuery';
import { treeUsage } from './processTree';
import { queryJob, type JobSample } from './jobUsage';

/** Seconds between samples (0 turns sampling off); default 5. */
export const SYSTEM_INTERVAL_ENV = 'SEE2THINK_SYSTEM_INTERVAL';
const GIB = 1024 ** 3;
/** sstat answers without the job before the sampler gives up on it (and measures the processes it sees). */
const JOB_PATIENCE = 5;

export interface SamplerOptions {
  intervalMs: number;
  /** The process whose tree is measured (the stage process). */
  rootPid: number;
  /** Inside a SLURM job: its id (CPU and memory then come from sstat). */
  jobId?: string;
  env?: NodeJS.ProcessEnv;
  /** Says once why a kind of metric is absent. */
  note(message: string): void;
  gpus?: (env: NodeJS.ProcessEnv) => Promise<GpuSample>;
  job?: (jobId: string, env: NodeJS.ProcessEnv) => Promise<JobSample>;
}

interface Window {
  gpuUtil: number[];
  gpuPower: number[];
  cpu: number[];
  gpuMemory: number;
  rss: number;
  n: number;
}

const empty = (): Window => ({ gpuUtil: [], gpuPower: [], cpu: [], gpuMemory: -1, rss: -1, n: 0 });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const known = (xs: (number | null)[]): number[] => xs.filter((v): v is number => v !== null);

export class SystemSampler {
  private window = empty();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private gpuAbsent = false;
  private jobAbsent = false;
  /** sstat answers in a row that had nothing for the job (a job is not accounted at once). */
  private jobMisses = 0;
  private lastCpu?: { at: number; seconds: number };
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly o: SamplerOptions) {
    this.env = o.env ?? process.env;
  }

  /** Samples now and then every interval until `stop` (the timer never keeps the process alive). */
  start(): this {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.o.intervalMs);
    this.timer.unref?.();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample of everything available (a sample still running is not doubled). */
  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const [gpu, job] = await Promise.all([
        this.gpuAbsent ? undefined : (this.o.gpus ?? queryGpus)(this.env),
        this.o.jobId && !this.jobAbsent ? (this.o.job ?? queryJob)(this.o.jobId, this.env) : undefined,
      ]);
      const w = this.window;
      if (gpu && 'absent' in gpu) {
        this.gpuAbsent = true;
        this.o.note(`no GPU metrics: ${gpu.absent}`);
      } else if (gpu) this.addGpus(w, gpu.gpus);
      let usage: { cpuSeconds: number; rssBytes: number } | undefined;
      if (job && 'absent' in job) {
        // A job is accounted a little after it starts: only a lasting silence (or no sstat) means it never will be.
        if (job.final || ++this.jobMisses >= JOB_PATIENCE) {
          this.jobAbsent = true;
          this.o.note(`CPU and memory from this machine's processes instead of the SLURM job: ${job.absent}`);
        }
      } else if (job) {
        this.jobMisses = 0;
        usage = job.usage;
      }
      usage ??= treeUsage(this.o.rootPid);
      if (usage) this.addUsage(w, usage);
      w.n++;
    } finally {
      this.busy = false;
    }
  }

  private addGpus(w: Window, gpus: GpuReading[]): void {
    const util = known(gpus.map((g) => g.utilPct));
    if (util.length) w.gpuUtil.push(mean(util));
    const power = known(gpus.map((g) => g.powerW));
    if (power.length) w.gpuPower.push(power.reduce((a, b) => a + b, 0));
    const mem = known(gpus.map((g) => g.memUsedMiB));
    if (mem.length) w.gpuMemory = Math.max(w.gpuMemory, mem.reduce((a, b) => a + b, 0) / 1024);
  }

  private addUsage(w: Window, u: { cpuSeconds: number; rssBytes: number }): void {
    const now = performance.now();
    const last = this.lastCpu;
    this.lastCpu = { at: now, seconds: u.cpuSeconds };
    // CPU time counts only live processes: a child that ended takes its seconds along (no negative share).
    if (last && now - last.at > 50 && u.cpuSeconds >= last.seconds) w.cpu.push((100 * (u.cpuSeconds - last.seconds)) / ((now - last.at) / 1000));
    w.rss = Math.max(w.rss, u.rssBytes / GIB);
  }

  /**
   * The samples since the last call as metric values (means; memory as the peak), then starts a new window.
   * Empty when nothing was sampled since: a record only carries system values that are new.
   */
  take(): Record<string, number> {
    const w = this.window;
    if (!w.n) return {};
    this.window = empty();
    const out: Record<string, number> = {};
    if (w.gpuUtil.length) out[METRICS.systemGpuUtil] = mean(w.gpuUtil);
    if (w.gpuMemory >= 0) out[METRICS.systemGpuMemory] = w.gpuMemory;
    if (w.gpuPower.length) out[METRICS.systemGpuPower] = mean(w.gpuPower);
    if (w.cpu.length) out[METRICS.systemCpu] = mean(w.cpu);
    if (w.rss >= 0) out[METRICS.systemRss] = w.rss;
    return out;
  }
}

/** The sampler for this stage process as its environment asks (SEE2THINK_SYSTEM_INTERVAL, SLURM_JOB_ID); undefined when off. */
export function stageSampler(note: (message: string) => void, env: NodeJS.ProcessEnv = process.env): SystemSampler | undefined {
  const raw = env[SYSTEM_INTERVAL_ENV];
  const seconds = raw === undefined || raw === '' ? 5 : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new SystemSampler({ intervalMs: Math.max(100, seconds * 1000), rootPid: process.pid, jobId: env.SLURM_JOB_ID || undefined, env, note });
}
