// EasyR1's file logger: <save_checkpoint_path>/experiment_log.jsonl, one line per Tracker.log() call,
// `{"step": N, ...unflatten_dict(metrics)}` (keys split on "/" into nested objects; Python writes NaN and
// Infinity bare). FileLogger.__init__ opens the file with "w", so a restarted run truncates it: we notice,
// keep every record read before, and read the new file from its start.
// Source: hiyouga/EasyR1 verl/utils/logger/logger.py (FileLogger).
import { JsonlTail } from '../../rundir/jsonlTail';
import type { MetricRecord } from '../../../protocol/runRecords';
import { flattenMetrics, mapEasyR1 } from '../metricNames';
import { nowSeconds, type AdapterNote, type ReaderContext } from '../foreignRun';

export const EASYR1_LOG = 'experiment_log.jsonl';

export interface ExperimentLogChunk {
  metrics: MetricRecord[];
  notes: AdapterNote[];
  /** The file had been truncated (EasyR1 restarted) before this read. */
  truncated: boolean;
}

/** A validation line: EasyR1 logs `val/*` metrics in their own Tracker.log call, or with the step's metrics. */
export const hasValidation = (r: MetricRecord) => Object.keys(r).some((k) => k.startsWith('val/'));

export class EasyR1ExperimentLog {
  private readonly tail: JsonlTail;
  private restarts = 0;

  constructor(readonly path: string, private readonly ctx: ReaderContext) {
    this.tail = new JsonlTail(path);
  }

  read(): ExperimentLogChunk {
    const chunk = this.tail.read();
    const out: ExperimentLogChunk = { metrics: [], notes: [], truncated: chunk.truncated };
    if (chunk.truncated) {
      this.restarts++;
      out.notes.push({
        level: 'warn', file: this.path,
        message: `the file was truncated (EasyR1 restarted, restart ${this.restarts}); the records read before are kept and the new file is read from its start`,
      });
    }
    for (const b of chunk.bad) out.notes.push({ level: 'warn', file: this.path, line: b.line, message: `line skipped: ${b.reason} (${b.excerpt})` });
    const time = (this.ctx.now ?? nowSeconds)();
    for (const raw of chunk.records as Record<string, unknown>[]) {
      const step = raw.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
        out.notes.push({ level: 'warn', file: this.path, message: `record without an integer "step" skipped (${JSON.stringify(raw).slice(0, 60)})` });
        continue;
      }
      const { step: _s, ...rest } = raw;
      out.metrics.push({ step, time, stage: this.ctx.stage, ...mapEasyR1(flattenMetrics(rest)) });
    }
    return out;
  }
}
