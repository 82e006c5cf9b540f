// Type guards for untrusted JSON (run files, a trainer's stdout, webview messages): every reader checks shapes
// with these before it trusts a field.
import type { MetricRecord } from './runRecords';

/** A JSON object (not null, not an array). */
export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A metrics.jsonl line worth keeping: an object with a finite step (the rest is checked field by field by its readers). */
export function isMetricRecord(v: unknown): v is MetricRecord {
  return isObj(v) && typeof v.step === 'number' && Number.isFinite(v.step);
}
