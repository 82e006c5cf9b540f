// Alerts for every run the store holds (docs/ARCHITECTURE.md, "Alerts"): each run's rules (its frozen recipe)
// evaluated once over its metrics files, then incrementally on each point the store accepts (onDidAcceptPoints,
// the one place a record is taken on the host). Runs that are not running are evaluated in the background, one
// at a time, or taken from a cache keyed by their files' sizes; a run that logs is evaluated at once. Node only.
import { statSync } from 'node:fs';
import { RUN_FILES, type MetricRecord } from '../../protocol/runRecords';
import type { AlertEvent } from '../../protocol/alerts';
import { AlertEngine } from '../../core/alerts/alertEngine';
import { alertRulesOf } from '../../core/alerts/runAlertRules';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { stagePath } from '../../core/rundir/runDirReader';
import { Emitter, type Disposable } from '../runs/emitter';
import type { AcceptedPoints, RunStore } from '../runs/store';
import type { MetricPoint } from '../runs/stageSeries';

/** A run's alerts as last computed, and the metrics files they were computed from. */
export interface CachedAlerts {
  files: string;
  alerts: AlertEvent[];
}

/** Where evaluated runs are remembered between windows (the workspace's memento). */
export interface AlertCache {
  get(run: string): CachedAlerts | undefined;
  set(run: string, value: CachedAlerts): void;
}

export interface AlertsChange {
  run: string;
  /** Alerts that fired since the last change (empty when the run's list was replaced or dropped). */
  added: readonly AlertEvent[];
}

interface RunAlerts {
  /** Present once the run was evaluated from its files (it then follows each accepted point). */
  engine?: AlertEngine;
  alerts: readonly AlertEvent[];
}

const isMetric = (v: unknown): v is MetricRecord =>
  typeof v === 'object' && v !== null && typeof (v as MetricRecord).step === 'number' && Number.isFinite((v as MetricRecord).step);

export class AlertTracker implements Disposable {
  private readonly runs = new Map<string, RunAlerts>();
  private readonly queue: string[] = [];
  private timer?: NodeJS.Timeout;
  private idle: (() => void)[] = [];
  private readonly subs: Disposable[];
  private readonly changed = new Emitter<AlertsChange>();
  /** A run's alerts changed (evaluated, new ones fired, or it left the store). */
  readonly onDidChange = this.changed.event;
  /** Milliseconds spent evaluating accepted points (the benchmark's numerator), and how many. */
  readonly cost = { ms: 0, points: 0 };

  constructor(private readonly store: RunStore, private readonly cache?: AlertCache, private readonly gapMs = 5) {
    this.subs = [store.onDidChangeRuns(() => this.syncRuns()), store.onDidAcceptPoints((a) => this.accept(a))];
    this.syncRuns();
  }

  /** The run's alerts so far (empty until it has been evaluated). */
  alerts(run: string): readonly AlertEvent[] {
    return this.runs.get(run)?.alerts ?? [];
  }

  /** Whether the run has been evaluated (from its files or the cache). */
  evaluated(run: string): boolean {
    return this.runs.has(run);
  }

  /** Resolves once every run waiting for its evaluation has had it. */
  whenIdle(): Promise<void> {
    return this.queue.length ? new Promise((r) => this.idle.push(r)) : Promise.resolve();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
    for (const r of this.idle.splice(0)) r();
  }

  private syncRuns(): void {
    const present = new Set(this.store.runs().map((r) => r.dir));
    for (const run of [...this.runs.keys()]) {
      if (present.has(run)) continue;
      this.runs.delete(run);
      this.changed.fire({ run, added: [] });
    }
    for (const run of present) if (!this.runs.has(run) && !this.queue.includes(run)) this.queue.push(run);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || !this.queue.length) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const run = this.queue.shift();
      if (run && !this.runs.has(run) && this.store.get(run)) this.evaluate(run, false);
      if (this.queue.length) this.schedule();
      else for (const r of this.idle.splice(0)) r();
    }, this.gapMs);
    this.timer.unref?.();
  }

  /** The store took new points: evaluate them (a run not evaluated yet is, now, from its files). */
  private accept(a: AcceptedPoints): void {
    const t0 = performance.now();
    const state = this.runs.get(a.run);
    if (!state?.engine) {
      // Its files hold these points (or they came from stdout first: pushed after the files, as duplicates are ignored).
      this.evaluate(a.run, true, a.points);
    } else {
      for (const stage of new Set(a.rewound)) this.replayStage(a.run, state.engine, stage);
      const added = this.push(a.run, state.engine, a.points);
      if (added.length || a.rewound.length) this.update(a.run, state.engine, added);
    }
    this.cost.ms += performance.now() - t0;
    this.cost.points += a.points.length;
  }

  /** Evaluates points of the run's own stages (a record's `stage` field is the writer's word: one naming no stage of the run is left out). */
  private push(run: string, engine: AlertEngine, points: readonly MetricPoint[]): AlertEvent[] {
    const stages = new Set(this.store.get(run)?.stages.map((s) => s.id));
    const added: AlertEvent[] = [];
    for (const p of points) if (stages.has(p.stage)) added.push(...engine.push(p.stage, p.step, p, p.global_step));
    return added;
  }

  /** Evaluates a run from its metrics files (or, for a run that is not logging, takes the cached result). */
  private evaluate(run: string, live: boolean, extra: readonly MetricPoint[] = []): void {
    const snap = this.store.get(run);
    if (!snap) return;
    const files = snap.stages.map((s) => `${s.id}:${fileSignature(stagePath(run, s.id, RUN_FILES.metrics))}`).join('|');
    const cached = !live && !this.store.reader(run)?.active() ? this.cache?.get(run) : undefined;
    if (cached && cached.files === files) {
      this.runs.set(run, { alerts: cached.alerts });
      if (cached.alerts.length) this.changed.fire({ run, added: cached.alerts });
      return;
    }
    const engine = new AlertEngine(alertRulesOf(run).rules);
    for (const s of snap.stages) this.readStage(run, engine, s.id, s.globalOffset);
    // Points the reader holds beyond the files (stdout is ahead of the file): steps seen already are ignored.
    for (const s of snap.stages) this.push(run, engine, this.store.reader(run)?.stagePoints(s.id) ?? []);
    this.push(run, engine, extra);
    this.runs.set(run, { engine, alerts: [...engine.events] });
    this.cache?.set(run, { files, alerts: [...engine.events] });
    if (engine.events.length) this.changed.fire({ run, added: [...engine.events] });
  }

  private readStage(run: string, engine: AlertEngine, stage: string, offset: number): void {
    for (const r of readJsonl(stagePath(run, stage, RUN_FILES.metrics), isMetric).records) {
      engine.push(stage, r.step, r, typeof r.global_step === 'number' ? r.global_step : offset + r.step);
    }
  }

  /** A stage's records were rewritten (a resume redid steps): its alerts are recomputed from the file. */
  private replayStage(run: string, engine: AlertEngine, stage: string): void {
    engine.resetStage(stage);
    this.readStage(run, engine, stage, this.store.get(run)?.stages.find((s) => s.id === stage)?.globalOffset ?? 0);
  }

  private update(run: string, engine: AlertEngine, added: AlertEvent[]): void {
    this.runs.set(run, { engine, alerts: [...engine.events] });
    this.changed.fire({ run, added });
  }
}

function fileSignature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}@${Math.round(s.mtimeMs)}`;
  } catch {
    return '-';
  }
}
