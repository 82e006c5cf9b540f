// One run directory as the extension sees it: its metadata, stages (from the frozen recipe), each stage's status,
// last metric values, checkpoints and — while a panel wants them — every metric point, read incrementally from
// the files (its traces: runTraces.ts). Decides what a metrics delta is (docs/ARCHITECTURE.md#a-metrics-path).
// Node only (no 'vscode'), so it is unit-tested directly; the store adds watching, polling and batching.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RUN_FILES, runGroupOf, type MetricRecord, type RunMeta, type StageStatus } from '../../protocol/runRecords';
import type { RunInfo } from '../../protocol/messages';
import { JsonlTail, type BadLine } from '../../core/rundir/jsonlTail';
import { isMetricRecord } from '../../protocol/guards';
import { readRunMeta, readStageStatus, stageIdsOf, stagePath } from '../../core/rundir/runDirReader';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import { openRun } from '../../core/rundir/runDir';
import { plannedOffsets } from '../../core/rundir/globalStep';
import { StageSeries, type MetricPoint } from './stageSeries';

/** Points a stage keeps while no panel shows its run: its last values, and the pace the status bar's ETA uses. */
export const SUMMARY_POINTS = 20;
/** How much of the end of a metrics file a run no panel shows reads for those points. */
const SUMMARY_BYTES = 64 * 1024;

export interface StageSnapshot {
  id: string;
  kind: string;
  initFrom: string | null;
  totalSteps: number;
  /** Global step at which the stage starts: from its records once it has logged, else as planned (core/rundir/globalStep.ts). */
  globalOffset: number;
  status?: StageStatus;
  statusError?: string;
  /** Why the stage's files could not be read on the last refresh (a dangling link, a folder where a file belongs …). */
  readError?: string;
  /** The stage's latest metric point (its last values: the Runs view's step and reward). */
  lastPoint?: MetricPoint;
  checkpoints: { step: number; dir: string }[];
  badLines: number;
}

export interface RunSnapshot {
  dir: string;
  runId: string;
  recipeName: string;
  recipePath?: string;
  created?: string;
  meta?: RunMeta;
  /** Why the run could not be read fully (it is still shown). */
  error?: string;
  stages: StageSnapshot[];
}

interface FileState {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface StageState {
  snap: StageSnapshot;
  series: StageSeries;
  metrics: JsonlTail<MetricRecord>;
  metricsFile?: FileState;
  statusFile?: FileState;
}

export interface ReadEffects {
  /** New points to send as a delta: each at or after every point sent before (x never goes back). */
  points: MetricPoint[];
  /** The run's points must be re-sent whole (a rewind, a rewritten file, or a point that lands before others). */
  reset: boolean;
  /** Status, step or checkpoints changed (tree, status bar). */
  changed: boolean;
  bad: { stage: string; file: string; lines: BadLine[] }[];
  /** Points taken as new in their stage, whether or not a panel shows the run (what alerts evaluate). */
  accepted: MetricPoint[];
  /** Stages whose points were rewound or rewritten (alerts start those stages over). */
  rewound: string[];
}

export const noEffects = (): ReadEffects => ({ points: [], reset: false, changed: false, bad: [], accepted: [], rewound: [] });


export class RunReader {
  readonly snap: RunSnapshot;
  private stages = new Map<string, StageState>();
  /** Whether every metric point is kept (a panel asked for them); otherwise each stage keeps its last few. */
  private metricsLoaded = false;
  /** The largest x (global step) among the points kept: a delta may only append at or after it. */
  private maxX = -Infinity;

  constructor(readonly dir: string) {
    this.snap = { dir, runId: basename(dir), recipeName: basename(dirname(dir)), stages: [] };
    this.load();
  }

  /** Reads run.json and the frozen recipe; falls back to what is on disk when either is unreadable. */
  private load(): void {
    const meta = readRunMeta(this.dir);
    if (meta.value) {
      this.snap.meta = meta.value;
      this.snap.runId = meta.value.id ?? this.snap.runId;
      this.snap.recipeName = meta.value.recipe_name ?? this.snap.recipeName;
      this.snap.recipePath = meta.value.recipe_path;
      this.snap.created = meta.value.created;
    } else this.snap.error = `${RUN_FILES.run}: ${meta.error}`;
    let plan: { id: string; kind: string; initFrom: string | null; steps: number }[] = [];
    try {
      plan = openRun(this.dir).recipe.stages.map((s) => ({ id: s.id, kind: s.kind, initFrom: s.initFrom, steps: s.steps }));
    } catch (err) {
      this.snap.error ??= (err as Error).message.split('\n')[0];
    }
    for (const id of stageIdsOf(this.dir, meta.value)) {
      if (!plan.some((p) => p.id === id)) plan.push({ id, kind: 'unknown', initFrom: null, steps: 0 });
    }
    const offsets = plannedOffsets(plan);
    for (const p of plan) {
      const snap: StageSnapshot = {
        id: p.id, kind: p.kind, initFrom: p.initFrom, totalSteps: p.steps, globalOffset: offsets.get(p.id) ?? 0, checkpoints: [], badLines: 0,
      };
      this.snap.stages.push(snap);
      this.stages.set(p.id, { snap, series: new StageSeries(SUMMARY_POINTS), metrics: this.metricsTail(p.id) });
    }
  }

  stageIds(): string[] {
    return this.snap.stages.map((s) => s.id);
  }

  stage(id: string): StageSnapshot | undefined {
    return this.stages.get(id)?.snap;
  }

  /** Every point of the run in x order (read from the files the first time; kept current until `unloadMetrics`). */
  points(): MetricPoint[] {
    if (!this.metricsLoaded) this.loadMetrics(noEffects());
    const all = this.snap.stages.flatMap((s) => this.stages.get(s.id)!.series.points);
    // A chain of stages is in x order already; stages that start from the same stage overlap: merge them by x.
    for (let i = 1; i < all.length; i++) if (all[i].global_step < all[i - 1].global_step) return all.sort((a, b) => a.global_step - b.global_step);
    return all;
  }

  /** The points a stage keeps (all while the metrics are loaded, else its last `SUMMARY_POINTS`). */
  stagePoints(id: string): readonly MetricPoint[] {
    return this.stages.get(id)?.series.points ?? [];
  }

  get loaded(): boolean {
    return this.metricsLoaded;
  }

  /** Reads every stage's metrics.jsonl from its start and keeps every point from now on (bad lines go to `fx`). */
  loadMetrics(fx: ReadEffects): void {
    if (this.metricsLoaded) return;
    this.metricsLoaded = true;
    for (const [id, st] of this.stages) {
      st.series = new StageSeries();
      st.metrics = this.metricsTail(id);
      st.metricsFile = undefined;
      try {
        this.readMetrics(st, fx);
      } catch (err) {
        // An unreadable file (a folder in its place, a dangling link) shows on the stage, as a refresh shows it.
        st.snap.readError = (err as Error).message;
      }
    }
    this.maxX = this.lastX();
    fx.points = [];
    fx.reset = false;
  }

  /** Back to the last few points per stage (no panel shows the run any more). */
  unloadMetrics(): void {
    if (!this.metricsLoaded) return;
    this.metricsLoaded = false;
    for (const st of this.stages.values()) {
      const keep = new StageSeries(SUMMARY_POINTS);
      keep.replaceAll(st.series.points.slice(-SUMMARY_POINTS));
      st.series = keep;
    }
  }

  private metricsTail(id: string): JsonlTail<MetricRecord> {
    const path = stagePath(this.dir, id, RUN_FILES.metrics);
    return this.metricsLoaded ? new JsonlTail(path, isMetricRecord) : JsonlTail.nearEnd(path, isMetricRecord, SUMMARY_BYTES);
  }

  info(): RunInfo {
    const group = runGroupOf(this.snap.meta?.group);
    return {
      key: this.dir,
      label: `${this.snap.recipeName}/${this.snap.runId}`,
      recipe: this.snap.recipeName,
      runId: this.snap.runId,
      stages: this.snap.stages.map((s) => ({
        id: s.id, kind: s.kind, state: s.status?.state ?? 'pending', step: s.lastPoint?.step ?? s.status?.step,
        totalSteps: s.totalSteps || s.status?.total_steps || 0, globalOffset: s.globalOffset,
      })),
      ...(group ? { group } : {}),
    };
  }

  /** True while some stage says it is running: such runs are polled often, the others rarely. */
  active(): boolean {
    return this.snap.stages.some((s) => s.status?.state === 'running');
  }

  /** Reads whatever changed on disk for every stage (or one). `force` re-reads status even if its file looks unchanged. */
  refresh(fx: ReadEffects, only?: string, force = false): void {
    for (const [id, st] of this.stages) {
      if (only && id !== only) continue;
      // One stage's unreadable files never stop the others from being read.
      try {
        this.readStatus(id, st, fx, force);
        if (st.snap.status?.state === 'running') this.readCheckpoints(id, st, fx);
        this.readMetrics(st, fx);
        if (st.snap.readError !== undefined) (st.snap.readError = undefined), (fx.changed = true);
      } catch (err) {
        const why = (err as Error).message;
        if (st.snap.readError !== why) (st.snap.readError = why), (fx.changed = true);
      }
    }
  }

  private readStatus(id: string, st: StageState, fx: ReadEffects, force: boolean): void {
    const path = stagePath(this.dir, id, RUN_FILES.status);
    const f = fileState(path);
    if (!force && (sameFile(f, st.statusFile) || (!f && !st.statusFile))) return;
    st.statusFile = f;
    const r = readStageStatus(this.dir, id);
    if (r.value) this.applyStatus(st, r.value, fx);
    else if (r.error !== 'missing' && st.snap.statusError !== r.error) {
      st.snap.statusError = r.error;
      fx.changed = true;
    }
    this.readCheckpoints(id, st, fx);
  }

  private applyStatus(st: StageState, s: StageStatus, fx: ReadEffects): void {
    const cur = st.snap.status;
    // An older status (a stdout record overtaken by the file, or the reverse) never replaces a newer one.
    if (cur && typeof cur.updated === 'string' && typeof s.updated === 'string' && s.updated < cur.updated) return;
    if (cur && JSON.stringify(cur) === JSON.stringify(s)) return;
    st.snap.status = s;
    st.snap.statusError = undefined;
    // A running stage's status knows its planned step count best (an attached run learns it, or 0: unknown).
    if (typeof s.total_steps === 'number') st.snap.totalSteps = s.total_steps;
    fx.changed = true;
  }

  private readCheckpoints(id: string, st: StageState, fx: ReadEffects): void {
    const list = listCheckpoints(stagePath(this.dir, id));
    if (list.length !== st.snap.checkpoints.length || list.some((c, i) => c.step !== st.snap.checkpoints[i].step)) {
      st.snap.checkpoints = list;
      fx.changed = true;
    }
  }

  private readMetrics(st: StageState, fx: ReadEffects): void {
    const f = fileState(st.metrics.path);
    if (!f || sameFile(f, st.metricsFile)) return;
    // A new file (rewritten) or a shorter one (truncated) is the trainer redoing steps: the file is the truth.
    const rewritten = (st.metricsFile !== undefined && f.ino !== st.metricsFile.ino) || f.size < st.metrics.position;
    st.metricsFile = f;
    if (rewritten) st.metrics = this.metricsTail(st.snap.id);
    const chunk = st.metrics.read();
    if (chunk.bad.length && this.metricsLoaded) {
      st.snap.badLines += chunk.bad.length;
      fx.bad.push({ stage: st.snap.id, file: st.metrics.path, lines: chunk.bad });
    }
    if (rewritten || chunk.truncated) {
      st.series.replaceAll(chunk.records.map((r) => this.point(st, r)));
      fx.rewound.push(st.snap.id);
      this.resetRun(fx);
    } else {
      for (const r of chunk.records) this.addPoint(st, this.point(st, r), fx);
    }
    this.noteLast(st, fx);
  }

  /** A record as the host keeps it: stage and time filled in, and its x — the global step the writer stamped, else the stage's offset + step. */
  private point(st: StageState, r: MetricRecord): MetricPoint {
    if (typeof r.stage !== 'string') r.stage = st.snap.id;
    if (typeof r.time !== 'number') r.time = 0;
    if (typeof r.global_step === 'number' && Number.isFinite(r.global_step)) {
      if (st.series.points.length === 0) st.snap.globalOffset = r.global_step - r.step;
    } else r.global_step = st.snap.globalOffset + r.step;
    return r as MetricPoint;
  }

  /** The one decision per point: a delta appends it, or the run is sent again whole, or (seen before) nothing. */
  private addPoint(st: StageState, p: MetricPoint, fx: ReadEffects): void {
    const r = st.series.add(p);
    if (r === 'append') fx.accepted.push(p);
    else if (r === 'rewind') fx.rewound.push(st.snap.id);
    if (!this.metricsLoaded || r === 'duplicate') return;
    if (r === 'append' && p.global_step >= this.maxX) {
      fx.points.push(p);
      this.maxX = p.global_step;
    } else this.resetRun(fx);
  }

  private resetRun(fx: ReadEffects): void {
    if (!this.metricsLoaded) return;
    fx.reset = true;
    this.maxX = this.lastX();
  }

  /** The largest x kept (each stage's points ascend, so its last point holds its largest). */
  private lastX(): number {
    let x = -Infinity;
    for (const st of this.stages.values()) x = Math.max(x, st.series.last?.global_step ?? -Infinity);
    return x;
  }

  private noteLast(st: StageState, fx: ReadEffects): void {
    const last = st.series.last;
    if (last !== st.snap.lastPoint) {
      st.snap.lastPoint = last;
      fx.changed = true;
    }
  }

  /** A record the trainer printed on stdout: the same as a file line, seen earlier. */
  ingestMetric(stageId: string, r: MetricRecord, fx: ReadEffects): void {
    const st = this.stages.get(stageId);
    if (!st) return;
    this.addPoint(st, this.point(st, { ...r }), fx);
    this.noteLast(st, fx);
  }

  ingestStatus(stageId: string, s: StageStatus, fx: ReadEffects): void {
    const st = this.stages.get(stageId);
    if (st) this.applyStatus(st, s, fx);
  }

  ingestCheckpoint(stageId: string, fx: ReadEffects): void {
    const st = this.stages.get(stageId);
    if (st) this.readCheckpoints(stageId, st, fx);
  }

  /** Whether the run folder still exists. */
  exists(): boolean {
    return existsSync(join(this.dir, RUN_FILES.stagesDir)) || existsSync(join(this.dir, RUN_FILES.run));
  }
}

function fileState(path: string): FileState | undefined {
  try {
    const s = statSync(path);
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function sameFile(a: FileState | undefined, b: FileState | undefined): boolean {
  return !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
