// One stage's metric points, fed from two sources (the trainer's stdout and metrics.jsonl) and de-duplicated by
// step: the same record seen twice is dropped; an earlier step with a different time means the trainer rewound
// (a resume dropped steps after its checkpoint), so the later points go and the panel must be reset.
import type { MetricRecord } from '../../protocol/runRecords';
import type { MetricPoint } from '../../protocol/messages';

const RESERVED = new Set(['step', 'global_step', 'time', 'stage']);

/** A metric record as panels take it: numbers only (NaN/±Infinity → null), x = the global step. */
export function toPoint(rec: MetricRecord, stageOffset: number): MetricPoint {
  const values: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (RESERVED.has(k) || typeof v !== 'number') continue;
    values[k] = Number.isFinite(v) ? v : null;
  }
  const x = typeof rec.global_step === 'number' && Number.isFinite(rec.global_step) ? rec.global_step : stageOffset + rec.step;
  return { stage: rec.stage, step: rec.step, x, time: rec.time, values };
}

export type AddResult = 'append' | 'duplicate' | 'rewind';

export class StageSeries {
  points: MetricPoint[] = [];

  get last(): MetricPoint | undefined {
    return this.points[this.points.length - 1];
  }

  add(p: MetricPoint): AddResult {
    const last = this.last;
    if (!last || p.step > last.step) {
      this.points.push(p);
      return 'append';
    }
    const i = lowerBound(this.points, p.step);
    const same = this.points[i];
    if (same && same.step === p.step && same.time === p.time) return 'duplicate';
    this.points.length = i;
    this.points.push(p);
    return 'rewind';
  }

  replaceAll(points: MetricPoint[]): void {
    this.points = [];
    for (const p of points) this.add(p);
  }
}

/** First index whose step is ≥ step (points are sorted by step). */
function lowerBound(points: MetricPoint[], step: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
