// One run directory as the extension sees it: its metadata, stages (from the frozen recipe), each stage's status,
// metric series and checkpoints, read incrementally from the files (its traces: runTraces.ts, while a panel shows them).
// Node only (no 'vscode'), so it is unit-tested directly; the store adds watching, polling and batching.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RUN_FILES, type MetricRecord, type RunMeta, type StageStatus } from '../../protocol/runRecords';
import type { MetricPoint, RunInfo } from '../../protocol/messages';
import { JsonlTail, type BadLine } from '../../core/rundir/jsonlTail';
import { readRunMeta, readStageStatus, stageIdsOf, stagePath } from '../../core/rundir/runDirReader';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import { openRun } from '../../core/rundir/runDir';
import { StageSeries, toPoint, type AddResult } from './stageSeries';

export interface StageSnapshot {
  id: string;
  kind: string;
  initFrom: string | null;
  totalSteps: number;
  /** Global step at which the stage starts (its init stage's end). */
  globalOffset: number;
  status?: StageStatus;
  statusError?: string;
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
  /** New points to send as a delta. */
  points: MetricPoint[];
  /** The run's points must be re-sent whole. */
  reset: boolean;
  /** Status, step or checkpoints changed (tree, status bar). */
  changed: boolean;
  bad: { stage: string; file: string; lines: BadLine[] }[];
}

export const noEffects = (): ReadEffects => ({ points: [], reset: false, changed: false, bad: [] });

const isMetric = (v: unknown): v is MetricRecord =>
  typeof v === 'object' && v !== null && typeof (v as MetricRecord).step === 'number' && Number.isFinite((v as MetricRecord).step);

export class RunReader {
  readonly snap: RunSnapshot;
  private stages = new Map<string, StageState>();

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
    const offsets = new Map<string, number>();
    const offsetOf = (id: string | null, seen = 0): number => {
      if (!id || seen > plan.length) return 0;
      const s = plan.find((p) => p.id === id);
      if (!s) return 0;
      if (!offsets.has(id)) offsets.set(id, offsetOf(s.initFrom, seen + 1) + s.steps);
      return offsets.get(id)!;
    };
    for (const p of plan) {
      const snap: StageSnapshot = {
        id: p.id, kind: p.kind, initFrom: p.initFrom, totalSteps: p.steps, globalOffset: offsetOf(p.initFrom), checkpoints: [], badLines: 0,
      };
      this.snap.stages.push(snap);
      this.stages.set(p.id, {
        snap, series: new StageSeries(),
        metrics: new JsonlTail<MetricRecord>(stagePath(this.dir, p.id, RUN_FILES.metrics), isMetric),
      });
    }
  }

  stageIds(): string[] {
    return this.snap.stages.map((s) => s.id);
  }

  stage(id: string): StageSnapshot | undefined {
    return this.stages.get(id)?.snap;
  }

  /** Every point of the run, stage by stage in recipe order. */
  points(): MetricPoint[] {
    return this.snap.stages.flatMap((s) => this.stages.get(s.id)!.series.points);
  }

  info(): RunInfo {
    return {
      key: this.dir,
      label: `${this.snap.recipeName}/${this.snap.runId}`,
      recipe: this.snap.recipeName,
      runId: this.snap.runId,
      stages: this.snap.stages.map((s) => ({
        id: s.id, kind: s.kind, state: s.status?.state ?? 'pending', step: s.lastPoint?.step ?? s.status?.step,
        totalSteps: s.totalSteps || s.status?.total_steps || 0, globalOffset: s.globalOffset,
      })),
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
      this.readStatus(id, st, fx, force);
      if (st.snap.status?.state === 'running') this.readCheckpoints(id, st, fx);
      this.readMetrics(st, fx);
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
    if (!st.snap.totalSteps && s.total_steps) st.snap.totalSteps = s.total_steps;
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
    const replaced = st.metricsFile !== undefined && f.ino !== st.metricsFile.ino;
    st.metricsFile = f;
    if (replaced) st.metrics = new JsonlTail<MetricRecord>(st.metrics.path, isMetric);
    const chunk = st.metrics.read();
    if (chunk.bad.length) {
      st.snap.badLines += chunk.bad.length;
      fx.bad.push({ stage: st.snap.id, file: st.metrics.path, lines: chunk.bad });
    }
    if (replaced || chunk.truncated) {
      // The trainer rewrote the file (a resume drops steps after its checkpoint): the file is the truth.
      st.series.replaceAll(chunk.records.map((r) => this.point(st, r)));
      fx.reset = true;
    } else {
      for (const r of chunk.records) this.addPoint(st, this.point(st, r), fx);
    }
    this.noteLast(st, fx);
  }

  private point(st: StageState, r: MetricRecord): MetricPoint {
    if (typeof r.stage !== 'string') r.stage = st.snap.id;
    if (typeof r.time !== 'number') r.time = 0;
    if (typeof r.global_step === 'number' && st.series.points.length === 0) st.snap.globalOffset = r.global_step - r.step;
    return toPoint(r, st.snap.globalOffset);
  }

  private addPoint(st: StageState, p: MetricPoint, fx: ReadEffects): AddResult {
    const r = st.series.add(p);
    if (r === 'append') fx.points.push(p);
    else if (r === 'rewind') fx.reset = true;
    return r;
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
