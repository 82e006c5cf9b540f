// The run store: every run directory the workspace's recipes have produced, read incrementally (JsonlTail) and
// kept current by fs.watch with a poll fallback; the supervisor feeds it the trainer's stdout records for the
// lowest latency. A run's status and last values are always kept; its whole metric series only once a panel
// asks (`points`) and until it lets go (`releasePoints`). Consumers get per-run deltas batched every few
// milliseconds. A run's traces are indexed only while a traces panel holds them (runTraces.ts), read on the same
// watch and poll events. Node only (no 'vscode').
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_FILES, type StreamRecord } from '../../protocol/runRecords';
import { Emitter } from './emitter';
import { RunReader, noEffects, type ReadEffects, type RunSnapshot } from './runReader';
import { RunTraces } from './runTraces';
import type { MetricPoint } from './stageSeries';

/** New points of a run whose points a panel asked for: appended at or after every point before, or (reset) all of them. */
export interface MetricsDelta {
  run: string;
  points: MetricPoint[];
  /** The run's points were replaced: `points` is all of them. */
  reset: boolean;
}

/** Points a run's reader took as new (every run, shown or not), and stages it rewound: what alerts evaluate. */
export interface AcceptedPoints {
  run: string;
  points: readonly MetricPoint[];
  rewound: readonly string[];
}

export interface StoreOptions {
  /** Deltas go out at most once per this many ms (the first after a quiet spell at once). */
  flushMs?: number;
  /** Poll period for runs with a running stage (ms); others are polled every `idlePollFactor` periods. */
  pollMs?: number;
  idlePollFactor?: number;
  /** Where problems (corrupt lines, unreadable runs) are reported. */
  warn?: (message: string) => void;
  /** Whether a run folder found under a root may be read (Restricted Mode: not one that links out of the workspace). */
  allowRun?: (dir: string) => boolean;
}

interface Entry {
  reader: RunReader;
  watchers: FSWatcher[];
  /** Who holds the run's whole metric series (panels); it is dropped when the last one lets go. */
  holders: Set<object>;
  pending?: { points: MetricPoint[]; reset: boolean; changed: boolean };
  /** The run's trace index while traces panels hold it, and how many do. */
  traces?: { index: RunTraces; holders: number };
}

export class RunStore {
  private readonly entries = new Map<string, Entry>();
  private readonly roots = new Map<string, FSWatcher | undefined>();
  private flushTimer?: NodeJS.Timeout;
  private lastFlush = 0;
  private pollTimer?: NodeJS.Timeout;
  private tick = 0;
  private disposed = false;
  private readonly flushMs: number;
  private readonly idlePollFactor: number;
  private readonly warn: (m: string) => void;
  private readonly allowRun?: (dir: string) => boolean;
  private readonly refused = new Set<string>();

  private readonly changedRuns = new Emitter<void>();
  private readonly changedRun = new Emitter<RunSnapshot>();
  private readonly metricsDelta = new Emitter<MetricsDelta>();
  private readonly acceptedPoints = new Emitter<AcceptedPoints>();
  /** The set of runs changed (added or removed). */
  readonly onDidChangeRuns = this.changedRuns.event;
  /** A run's status, step or checkpoints changed. */
  readonly onDidChangeRun = this.changedRun.event;
  readonly onMetrics = this.metricsDelta.event;
  /** Fired at once (not batched) wherever a record is accepted: the file, stdout, a poll. */
  readonly onDidAcceptPoints = this.acceptedPoints.event;

  constructor(o: StoreOptions = {}) {
    this.flushMs = o.flushMs ?? 16;
    this.idlePollFactor = o.idlePollFactor ?? 5;
    this.warn = o.warn ?? ((m) => console.warn(m));
    this.allowRun = o.allowRun;
    this.pollTimer = setInterval(() => this.poll(), o.pollMs ?? 1000);
    this.pollTimer.unref?.();
  }

  // ------------------------------------------------------------------ which runs

  /** Watches a runs/<recipe-name>/ folder: every run directory in it (now or later) is in the store. */
  addRoot(dir: string): void {
    dir = resolve(dir);
    if (this.roots.has(dir)) return;
    this.roots.set(dir, undefined);
    this.scanRoot(dir);
  }

  /** Replaces the watched roots (the workspace's recipes changed); runs under dropped roots leave the store. */
  setRoots(dirs: string[]): void {
    const want = new Set(dirs.map((d) => resolve(d)));
    for (const [dir, w] of this.roots) {
      if (want.has(dir)) continue;
      w?.close();
      this.roots.delete(dir);
      for (const run of [...this.entries.keys()]) if (run.startsWith(dir + '/')) this.removeRun(run);
    }
    for (const d of want) this.addRoot(d);
  }

  get rootDirs(): string[] {
    return [...this.roots.keys()];
  }

  /** Adds one run directory (the supervisor's new runs, attached folders). Returns its snapshot. */
  addRun(dir: string): RunSnapshot {
    dir = resolve(dir);
    const have = this.entries.get(dir);
    if (have) return have.reader.snap;
    const reader = new RunReader(dir);
    const entry: Entry = { reader, watchers: [], holders: new Set() };
    this.entries.set(dir, entry);
    if (reader.snap.error) this.warn(`${dir}: ${reader.snap.error}`);
    const fx = noEffects();
    this.read(entry, fx, undefined, true);
    this.reportBad(fx);
    this.watchRun(entry);
    this.changedRuns.fire();
    return reader.snap;
  }

  removeRun(dir: string): void {
    const e = this.entries.get(dir);
    if (!e) return;
    for (const w of e.watchers) w.close();
    e.traces?.index.dispose();
    this.entries.delete(dir);
    this.changedRuns.fire();
  }

  runs(): RunSnapshot[] {
    return [...this.entries.values()].map((e) => e.reader.snap);
  }

  get(dir: string): RunSnapshot | undefined {
    return this.entries.get(resolve(dir))?.reader.snap;
  }

  reader(dir: string): RunReader | undefined {
    return this.entries.get(resolve(dir))?.reader;
  }

  // ------------------------------------------------------------------ data

  /**
   * Every metric point of a run, in x order, read from its files the first time; from then on its deltas go
   * out (`onMetrics`). A `holder` (a panel) keeps them until it calls `releasePoints`; without one they stay.
   */
  points(dir: string, holder?: object): MetricPoint[] {
    const e = this.entries.get(resolve(dir));
    if (!e) return [];
    if (holder) e.holders.add(holder);
    if (!e.reader.loaded) {
      const fx = noEffects();
      e.reader.loadMetrics(fx);
      this.reportBad(fx);
    }
    return e.reader.points();
  }

  /** The holder no longer shows the run: once nobody does, only its last values are kept. */
  releasePoints(dir: string, holder: object): void {
    const e = this.entries.get(resolve(dir));
    if (!e || !e.holders.delete(holder) || e.holders.size) return;
    e.reader.unloadMetrics();
    if (e.pending) {
      e.pending.points = [];
      e.pending.reset = false;
    }
  }

  /** The run's trace index, kept current while held (each holder calls `releaseTraces` once). */
  traces(dir: string): RunTraces | undefined {
    const e = this.entries.get(resolve(dir));
    if (!e) return undefined;
    if (!e.traces) e.traces = { index: new RunTraces(e.reader.dir, e.reader.stageIds(), { warn: this.warn }), holders: 0 };
    e.traces.holders++;
    return e.traces.index;
  }

  releaseTraces(dir: string): void {
    const e = this.entries.get(resolve(dir));
    if (!e?.traces || --e.traces.holders > 0) return;
    e.traces.index.dispose();
    e.traces = undefined;
  }

  /** Whether some panel holds the run's traces. */
  tracking(dir: string): boolean {
    return this.entries.get(resolve(dir))?.traces !== undefined;
  }

  /** A record from a stage's stdout: applied now (it reaches panels within one flush), de-duplicated later against the file. */
  ingest(dir: string, stageId: string, rec: StreamRecord): void {
    const e = this.entries.get(resolve(dir));
    if (!e) return;
    const fx = noEffects();
    switch (rec.type) {
      case 'metric':
        e.reader.ingestMetric(stageId, rec.record, fx);
        break;
      case 'status':
        e.reader.ingestStatus(stageId, rec.record, fx);
        break;
      case 'checkpoint':
        e.reader.ingestCheckpoint(stageId, fx);
        break;
      case 'trace':
        // The trainer appends the line before printing it: the index reads it from the file now.
        e.traces?.index.poke(stageId);
        return;
      default:
        return;
    }
    this.queue(e, fx);
  }

  /** Re-reads a run now (or every run): the supervisor calls it when a stage ends. */
  refresh(dir?: string): void {
    for (const [d, e] of this.entries) {
      if (dir && d !== resolve(dir)) continue;
      const fx = noEffects();
      this.read(e, fx, undefined, true);
      this.queue(e, fx);
    }
  }

  /** Sends pending deltas now (tests, and the end of a stage). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.lastFlush = Date.now();
    for (const [dir, e] of this.entries) {
      const p = e.pending;
      if (!p) continue;
      e.pending = undefined;
      if (p.reset) this.metricsDelta.fire({ run: dir, points: e.reader.points(), reset: true });
      else if (p.points.length) this.metricsDelta.fire({ run: dir, points: p.points, reset: false });
      if (p.changed || p.reset || p.points.length) this.changedRun.fire(e.reader.snap);
    }
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.pollTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const w of this.roots.values()) w?.close();
    for (const e of this.entries.values()) {
      for (const w of e.watchers) w.close();
      e.traces?.index.dispose();
    }
    this.entries.clear();
    this.roots.clear();
    for (const em of [this.changedRuns, this.changedRun, this.metricsDelta, this.acceptedPoints]) em.dispose();
  }

  // ------------------------------------------------------------------ internals

  private queue(e: Entry, fx: ReadEffects): void {
    this.reportBad(fx);
    if (fx.accepted.length || fx.rewound.length) this.acceptedPoints.fire({ run: e.reader.dir, points: fx.accepted, rewound: fx.rewound });
    if (!fx.points.length && !fx.reset && !fx.changed) return;
    const p = (e.pending ??= { points: [], reset: false, changed: false });
    p.points.push(...fx.points);
    p.reset ||= fx.reset;
    p.changed ||= fx.changed;
    if (this.flushTimer || this.disposed) return;
    // Leading edge: after a quiet spell the delta goes out at once; during a burst, at most one batch per flushMs.
    const wait = Math.max(0, this.lastFlush + this.flushMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private reportBad(fx: ReadEffects): void {
    for (const b of fx.bad) {
      for (const l of b.lines.slice(0, 3)) this.warn(`${b.file}:${l.line}: skipped a line (${l.reason}): ${l.excerpt}`);
      if (b.lines.length > 3) this.warn(`${b.file}: ${b.lines.length - 3} more bad line(s) skipped`);
    }
  }

  private scanRoot(dir: string): void {
    if (!this.roots.has(dir)) return;
    if (!this.roots.get(dir) && existsSync(dir)) {
      try {
        const w = watch(dir, () => this.scanRoot(dir));
        w.on('error', () => { w.close(); this.roots.set(dir, undefined); });
        this.roots.set(dir, w);
      } catch {
        // The poll keeps scanning.
      }
    }
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const run = join(dir, name);
      if (this.entries.has(run) || name.startsWith('.')) continue;
      // A run directory is complete enough to show once its run.json exists (createRun writes it before the stages).
      try {
        if (!existsSync(join(run, RUN_FILES.run)) || !isDir(run)) continue;
        if (this.allowRun && !this.allowRun(run)) {
          if (!this.refused.has(run)) this.warn(`${run}: not read (it links outside the workspace)`);
          this.refused.add(run);
          continue;
        }
        this.addRun(run);
      } catch (err) {
        this.warn(`${run}: cannot read this run: ${(err as Error).message}`);
      }
    }
    for (const run of this.entries.keys()) {
      if (run.startsWith(dir + '/') && !existsSync(run)) this.removeRun(run);
    }
  }

  private watchRun(e: Entry): void {
    const onEvent = (stage: string) => () => {
      const fx = noEffects();
      this.read(e, fx, stage);
      this.queue(e, fx);
    };
    for (const id of e.reader.stageIds()) {
      const dir = join(e.reader.dir, RUN_FILES.stagesDir, id);
      if (!existsSync(dir)) continue;
      try {
        const w = watch(dir, onEvent(id));
        w.on('error', () => w.close());
        e.watchers.push(w);
      } catch {
        // Too many watchers, or a file system without events: the poll covers it.
      }
    }
  }

  private poll(): void {
    this.tick++;
    if (this.tick % this.idlePollFactor === 0) for (const dir of this.roots.keys()) this.scanRoot(dir);
    for (const e of this.entries.values()) {
      if (!e.reader.active() && this.tick % this.idlePollFactor !== 0) continue;
      const fx = noEffects();
      this.read(e, fx);
      this.queue(e, fx);
    }
  }

  /** Reads a run, isolated: what cannot be read becomes the run's error (shown on it), never a throw into others. */
  private read(e: Entry, fx: ReadEffects, only?: string, force = false): void {
    const before = e.reader.snap.stages.map((s) => s.readError).join('\0');
    try {
      e.reader.refresh(fx, only, force);
    } catch (err) {
      const why = `cannot read: ${(err as Error).message}`;
      if (e.reader.snap.error !== why) {
        e.reader.snap.error = why;
        fx.changed = true;
      }
    }
    const after = e.reader.snap.stages.map((s) => (s.readError ? `${s.id}: ${s.readError}` : '')).filter(Boolean);
    if (after.join('\0') !== before && after.length) this.warn(`${e.reader.dir}: ${after.join('; ')}`);
    e.traces?.index.poke(only);
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
