// One stage's metric points, fed from two sources (the trainer's stdout and metrics.jsonl): the one place that
// decides de-duplication and rewinds (docs/ARCHITECTURE.md#a-metrics-path). The same record seen twice is
// dropped; an earlier step with another time means the trainer rewound (a resume redoes the steps after its
// checkpoint), so the later points go and the run must be sent again whole.
import type { MetricRecord } from '../../protocol/runRecords';
import { lowerBound } from '../../protocol/search';

/** A metrics.jsonl record as the host keeps it: the parsed record itself, its global step (the chart's x) filled in. */
export type MetricPoint = MetricRecord & { global_step: number };

export type AddResult = 'append' | 'duplicate' | 'rewind';

export class StageSeries {
  points: MetricPoint[] = [];
  /** points[i].step, for the binary search. */
  private steps: number[] = [];

  /** `keep`: how many of the latest points to hold (all of them while a panel shows the run; a few otherwise). */
  constructor(private readonly keep = Infinity) {}

  get last(): MetricPoint | undefined {
    return this.points[this.points.length - 1];
  }

  add(p: MetricPoint): AddResult {
    const n = this.points.length;
    if (n === 0 || p.step > this.steps[n - 1]) {
      this.push(p);
      return 'append';
    }
    const i = lowerBound(this.steps, n, p.step);
    if (this.steps[i] === p.step && this.points[i].time === p.time) return 'duplicate';
    this.points.length = i;
    this.steps.length = i;
    this.push(p);
    return 'rewind';
  }

  replaceAll(points: MetricPoint[]): void {
    this.points = [];
    this.steps = [];
    for (const p of points) this.add(p);
  }

  private push(p: MetricPoint): void {
    this.points.push(p);
    this.steps.push(p.step);
    // Trimmed in halves, so a stage that keeps a few points pays O(1) per point.
    if (this.points.length >= 2 * this.keep) {
      this.points.splice(0, this.points.length - this.keep);
      this.steps.splice(0, this.steps.length - this.keep);
    }
  }
}
