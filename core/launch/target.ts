// How a stage is started somewhere and watched until it ends. The CLI and the extension's supervisor both
// drive stages through this interface; `local` (a child process group) and `slurm` (a batch job) implement it.
import type { LaunchTarget, StageState } from '../../protocol/runRecords';

export interface StageLaunch {
  runDir: string;
  stageId: string;
  /** The argument vector (no shell). For the built-in trainer: [node, cli.js, 'stage', runDir, stageId, …]. */
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** The stage's log.txt: the process's stderr (and, for batch jobs, stdout) is appended here. */
  logFile: string;
}

export interface StageExit {
  state: Extract<StageState, 'succeeded' | 'failed' | 'cancelled'>;
  exitCode: number | null;
  signal: string | null;
  /** Why it failed, when known. */
  error?: string;
}

export interface StageHandle {
  readonly target: LaunchTarget;
  /** pid (local; also the process-group id) or job id (slurm). */
  readonly id: string;
  /** Low-latency stream of the trainer's stdout lines, while this process watches it (local, not after reattach). */
  onStdoutLine(listener: (line: string) => void): void;
  /** Resolves when the stage has ended, however it ended. */
  wait(): Promise<StageExit>;
  /** Asks the stage to stop (SIGTERM to the whole group, SIGKILL after a grace period; scancel for jobs). */
  cancel(graceMs?: number): Promise<void>;
  /** Stops watching, leaving the stage alone (a closing window): no more polls; `wait()` then never resolves. */
  detach(): void;
}

export interface Launcher {
  readonly target: LaunchTarget;
  start(launch: StageLaunch): Promise<StageHandle>;
  /** Re-attaches to a stage started earlier (e.g. before a window reload) from its recorded id. */
  attach(id: string, launch: Pick<StageLaunch, 'runDir' | 'stageId' | 'logFile'>): StageHandle | undefined;
}
