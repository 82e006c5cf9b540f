// Where a running stage reports: the run directory (the truth: metrics, traces, status, checkpoints), the
// same records as StreamRecord JSON lines on stdout (low latency for a watching extension), and readable log
// lines on stderr (log.txt). A closed stdout (EPIPE: the watcher went away) stops stdout writes only.
import { encodeJsonLine } from '../../protocol/jsonLines';
import type { MetricRecord, StageStatus, StreamRecord, TraceRecord, CheckpointMeta } from '../../protocol/runRecords';
import { StageWriter } from './runDirWriter';

export interface Sink {
  write(line: string): void;
}

/** stdout that silently stops on EPIPE (or any write error) instead of killing the trainer. */
export function tolerantStdout(stream: NodeJS.WriteStream = process.stdout): Sink {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return {
    write(line) {
      if (!open || stream.destroyed) return;
      try {
        stream.write(line);
      } catch {
        open = false;
      }
    },
  };
}

export class StageOutput {
  private system?: { take(): Record<string, number> };
  readonly writer: StageWriter;

  constructor(runDir: string, readonly stageId: string, private stdout: Sink = tolerantStdout(), private stderr: Sink = process.stderr) {
    this.writer = new StageWriter(runDir, stageId);
  }

  private stream(r: StreamRecord): void {
    this.stdout.write(encodeJsonLine(r) + '\n');
  }

  log(message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.stderr.write(`${new Date().toISOString()} [${this.stageId}] ${level === 'info' ? '' : level + ': '}${message}\n`);
    this.stream({ type: 'log', level, message });
  }

  /** Adds the system metrics sampled since the previous record (core/system) to each record written. */
  attachSystem(system: { take(): Record<string, number> }): void {
    this.system = system;
  }

  metric(record: MetricRecord): void {
    if (this.system) record = { ...record, ...this.system.take() };
    this.writer.metric(record);
    this.stream({ type: 'metric', record });
  }

  trace(record: TraceRecord): void {
    this.writer.trace(record);
    this.stream({ type: 'trace', record });
  }

  /** The file first (the truth); the stream gets the record even when the file cannot be written (a full disk). */
  status(record: StageStatus): void {
    try {
      this.writer.status(record);
    } finally {
      this.stream({ type: 'status', record });
    }
  }

  checkpoint(path: string, meta: CheckpointMeta): void {
    this.stream({ type: 'checkpoint', path, meta });
  }

  progress(phase: string, done: number, total: number): void {
    this.stream({ type: 'progress', stage: this.stageId, phase, done, total });
  }
}
