// The SLURM command-line tools, run as argument vectors (no shell), and their output parsed: sbatch
// --parsable, a job's state from squeue (live jobs) → scontrol show job (until MinJobAge) → sacct (accounting;
// `sacct -c` reads the job-completion file where there is no slurmdbd), scancel.
import { execFile } from 'node:child_process';

export interface SlurmTools {
  /** Environment for the tools (e.g. SLURM_CONF); merged over this process's. */
  env?: Record<string, string>;
  /** Per-call time limit. */
  timeoutMs?: number;
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The tool is not installed. */
  missing?: boolean;
}

export function runTool(argv: string[], tools: SlurmTools = {}): Promise<ToolResult> {
  return new Promise((res) => {
    execFile(argv[0], argv.slice(1), { env: { ...process.env, ...tools.env }, timeout: tools.timeoutMs ?? 30000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && e.code === 'ENOENT') res({ code: null, stdout: '', stderr: `${argv[0]}: not found on PATH`, missing: true });
      else res({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

export class SlurmError extends Error {}

/** `sbatch --parsable` prints "<jobid>" or "<jobid>;<cluster>". */
export function parseSbatchParsable(stdout: string): string | undefined {
  const m = /^\s*(\d+(?:_\d+)?)(?:;\S+)?\s*$/m.exec(stdout);
  return m?.[1];
}

export async function submit(argv: string[], tools: SlurmTools = {}): Promise<string> {
  const r = await runTool(argv, tools);
  if (r.missing) throw new SlurmError('sbatch is not installed here (the slurm target needs the SLURM client tools on PATH)');
  const id = r.code === 0 ? parseSbatchParsable(r.stdout) : undefined;
  if (!id) throw new SlurmError(`sbatch refused the job: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
  return id;
}

export interface JobInfo {
  /** SLURM job state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … */
  state: string;
  /** Why it is pending (or why it ended), as SLURM says it: Priority, Resources, PartitionConfig … */
  reason?: string;
  exitCode?: number | null;
  /** Signal that ended the job, when one did. */
  signal?: number;
  node?: string;
  source: 'squeue' | 'scontrol' | 'sacct';
}

export const TERMINAL_JOB_STATES = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED',
]);

const none = (v: string | undefined) => (!v || v === 'None' || v === '(null)' ? undefined : v);

export function parseSqueue(stdout: string): JobInfo | undefined {
  const line = stdout.split('\n').map((l) => l.trim()).find(Boolean);
  if (!line) return undefined;
  const [state, reason, node] = line.split('|');
  return { state: state.split(' ')[0], reason: none(reason), node: none(node), source: 'squeue' };
}

export function parseScontrolJob(stdout: string): JobInfo | undefined {
  const state = /\bJobState=(\S+)/.exec(stdout)?.[1];
  if (!state) return undefined;
  const exit = /\bExitCode=(\d+):(\d+)/.exec(stdout);
  return {
    state,
    reason: none(/\bReason=(\S+)/.exec(stdout)?.[1]),
    exitCode: exit ? Number(exit[1]) : undefined,
    signal: exit && Number(exit[2]) ? Number(exit[2]) : undefined,
    node: none(/\bNodeList=(\S+)/.exec(stdout)?.[1]),
    source: 'scontrol',
  };
}

/** `sacct -n -P -o JobID,State,ExitCode`: the line of the job itself (not its .batch/.extern steps). */
export function parseSacct(stdout: string, id: string): JobInfo | undefined {
  for (const line of stdout.split('\n')) {
    const [jobId, state, exit] = line.trim().split('|');
    if (jobId !== id || !state) continue;
    const m = /^(\d+):(\d+)$/.exec(exit ?? '');
    return { state: state.split(' ')[0], exitCode: m ? Number(m[1]) : undefined, signal: m && Number(m[2]) ? Number(m[2]) : undefined, source: 'sacct' };
  }
  return undefined;
}

/** None of squeue, scontrol and sacct is installed here: nothing can be known about a job. */
export class SlurmToolsMissing extends SlurmError {}

/** The job's state from whichever tool still knows it; undefined when none does (yet). Throws SlurmToolsMissing. */
export async function queryJob(id: string, tools: SlurmTools = {}): Promise<JobInfo | undefined> {
  const sq = await runTool(['squeue', '-h', '-j', id, '-t', 'all', '-o', '%T|%r|%N'], tools);
  if (sq.missing) {
    const sc = await runTool(['scontrol', '--version'], tools);
    if (sc.missing) throw new SlurmToolsMissing('the SLURM client tools (squeue, scontrol, sacct) are not on PATH here');
  }
  const live = sq.code === 0 ? parseSqueue(sq.stdout) : undefined;
  if (live && !TERMINAL_JOB_STATES.has(live.state)) return live;
  // Finished (or squeue no longer shows it): scontrol has the exit code until MinJobAge.
  const sc = await runTool(['scontrol', 'show', 'job', '-o', id], tools);
  const ctl = sc.code === 0 ? parseScontrolJob(sc.stdout) : undefined;
  if (ctl) return ctl;
  for (const extra of [[], ['-c']]) {
    const sa = await runTool(['sacct', ...extra, '-j', id, '-n', '-P', '-o', 'JobID,State,ExitCode'], tools);
    const acct = sa.code === 0 ? parseSacct(sa.stdout, id) : undefined;
    if (acct) return acct;
  }
  return live;
}

export async function cancelJob(id: string, tools: SlurmTools = {}): Promise<void> {
  const r = await runTool(['scancel', id], tools);
  if (r.code !== 0 && !/already completing or completed|Invalid job id/i.test(r.stderr)) {
    throw new SlurmError(`scancel ${id} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}

/** SLURM's pending reasons, in words a user can act on. */
const REASONS: Record<string, string> = {
  Priority: 'other jobs have priority',
  Resources: 'waiting for resources to free up',
  PartitionConfig: "the request exceeds what the partition's nodes have (CPUs, memory, GPUs or time)",
  PartitionTimeLimit: "the time limit exceeds the partition's",
  PartitionNodeLimit: "the node count is outside the partition's limits",
  ReqNodeNotAvail: 'a required node is not available',
  Dependency: 'waiting for the stage it depends on',
  DependencyNeverSatisfied: 'the stage it depends on did not succeed',
  QOSMaxJobsPerUserLimit: 'too many jobs of yours are running (QOS limit)',
  AssocGrpGRES: 'your account has used its GPU allowance',
  BeginTime: 'not allowed to start yet (begin time)',
  JobHeldUser: 'held (scontrol release to start it)',
  JobHeldAdmin: 'held by an administrator',
  InvalidQOS: 'the QOS is not valid for this account',
  NodeDown: 'a node it needs is down',
};

export const explainReason = (reason: string) => (REASONS[reason] ? `${reason}: ${REASONS[reason]}` : reason);
