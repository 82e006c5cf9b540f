// The dashboard host's encoding of a run's metric points as one 'dashboard/columns' message: the records the
// store keeps go straight into columns (no object per point on either side). Pure, so unit tests use it.
import { toWire, type MetricColumns, type WireNumber } from '../../protocol/messages';
import { RECORD_FIELDS } from '../../protocol/runRecords';
import type { MetricPoint } from '../runs/stageSeries';

/** Encodes points (of one run, in x order) as a columns message. */
export function toMetricColumns(run: string, points: readonly MetricPoint[], reset?: boolean): MetricColumns {
  const n = points.length;
  const out: MetricColumns = { run, stages: [], stageRows: [], step: new Array(n), x: new Array(n), time: new Array(n), metrics: {} };
  if (reset) out.reset = true;
  // Per metric: its values and rows (a metric logged at every row drops `rows`).
  const cols = new Map<string, { rows: number[]; v: WireNumber[] }>();
  for (let i = 0; i < n; i++) {
    const p = points[i];
    out.step[i] = p.step;
    out.x[i] = p.global_step;
    out.time[i] = p.time;
    const last = out.stages.length - 1;
    if (last >= 0 && out.stages[last] === p.stage) out.stageRows[last]++;
    else {
      out.stages.push(p.stage);
      out.stageRows.push(1);
    }
    for (const name in p) {
      const v = p[name];
      if (typeof v !== 'number' || RECORD_FIELDS.has(name)) continue; // not a metric value: not logged
      let c = cols.get(name);
      if (!c) cols.set(name, (c = { rows: [], v: [] }));
      c.rows.push(i);
      c.v.push(toWire(v));
    }
  }
  for (const [name, c] of cols) out.metrics[name] = c.v.length === n ? { v: c.v } : c;
  return out;
}
