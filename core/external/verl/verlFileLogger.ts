// verl's file logger (trainer.logger includes "file"): one line per Tracking.log() call,
// `{"step": N, "data": {"actor/pg_loss": …, …}}` with flat "/" keys, written by orjson, which writes NaN and
// inf as null (read back as NaN: non-finite, as our own records show it), at $VERL_FILE_LOGGER_PATH or
// $VERL_FILE_LOGGER_ROOT/<project>/<experiment>.jsonl. Opened "wb" (a restart empties it): a shorter file
// means it was replaced, and reading starts over with what was read before kept.
// Source: verl verl/utils/tracking.py (FileLogger); facts in ../upstream.ts.
import { JsonlTail } from '../../rundir/jsonlTail';
import type { MetricRecord } from '../../../protocol/runRecords';
import { flattenMetrics, mapVerl } from '../metricNames';
import { nowSeconds, type AdapterNote, type ReaderContext } from '../foreignRun';

export interface VerlLogChunk {
  metrics: MetricRecord[];
  notes: AdapterNote[];
  truncated: boolean;
}

/** One verl metrics dict (flat keys, numbers) → our record. */
export function verlRecord(step: number, data: Record<string, unknown>, ctx: ReaderContext, time: number): MetricRecord {
  return { step, time, stage: ctx.stage, ...mapVerl(flattenMetrics(data, '', {}, true)) };
}

export class VerlFileLog {
  private readonly tail: JsonlTail;

  constructor(readonly path: string, private readonly ctx: ReaderContext) {
    this.tail = new JsonlTail(path);
  }

  read(): VerlLogChunk {
    const chunk = this.tail.read();
    const out: VerlLogChunk = { metrics: [], notes: [], truncated: chunk.truncated };
    if (chunk.truncated) out.notes.push({ level: 'warn', file: this.path, message: 'the file got shorter (verl restarted); the records read before are kept and it is read again from its start' });
    for (const b of chunk.bad) out.notes.push({ level: 'warn', file: this.path, line: b.line, message: `line skipped: ${b.reason} (${b.excerpt})` });
    const now = (this.ctx.now ?? nowSeconds)();
    for (const raw of chunk.records as Record<string, unknown>[]) {
      const { step, data } = raw;
      if (typeof step !== 'number' || !Number.isInteger(step) || !data || typeof data !== 'object') {
        out.notes.push({ level: 'warn', file: this.path, message: `not a verl log record ({"step", "data"}) skipped: ${JSON.stringify(raw).slice(0, 60)}` });
        continue;
      }
      out.metrics.push(verlRecord(step, data as Record<string, unknown>, this.ctx, now));
    }
    return out;
  }
}
