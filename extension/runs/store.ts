// The run store: every run directory the workspace's recipes have produced, read incrementally (JsonlTail) and
// kept current by fs.watch with a poll fallback; the supervisor feeds it the trainer's stdout records for the
// lowest latency. Consumers get per-run deltas batched every few milliseconds. A run's traces are indexed only
// while a traces panel holds them (runTraces.ts), poked by the same watchers and polls. Node only (no 'vscode').
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_FILES, type StreamRecord } from '../../protocol/runRecords';
import type { MetricPoint } from '../../protocol/messages';
import { Emitter } from './emitter';
import { RunReader, noEffects, type ReadEffects, type RunSnapshot } from './runReader';
import { RunTraces } from './runTraces';

export interface MetricsDelta {
  run: string;
  points: MetricPoint[];
  /** The run's points were replaced: `points` is all of them. */
  reset: boolean;
}

export interface StoreOptions {
  /** Deltas go out at most once per this many ms (the first after a quiet spell at once). */
  flushMs?: number;
  /** Poll period for runs with a running stage (ms); others are polled every `idlePollFactor` periods. */
  pollMs?: number;
  idlePollFactor?: number;
  /** Where problems (corrupt lines, unreadable runs) are reported. */
  warn?: (message: string) => void;
}

interface Entry {
  reader: RunReader;
  watchers: FSWatcher[];
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

  private readonly changedRuns = new Emitter<void>();
  private readonly changedRun = new Emitter<RunSnapshot>();
  private readonly metricsDelta = new Emitter<MetricsDelta>();
  /** The set of runs changed (added or removed). */
  readonly onDidChangeRuns = this.changedRuns.event;
  /** A run's status, step or checkpoints changed. */
  readonly onDidChangeRun = this.changedRun.event;
  readonly onMetrics = this.metricsDelta.event;

  constructor(o: StoreOptions = {}) {
    this.flushMs = o.flushMs ?? 16;
    this.idlePollFactor = o.idlePollFactor ?? 5;
    this.warn = o.warn ?? ((m) => console.warn(m));
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
    const entry: Entry = { reader, watchers: [] };
    this.entries.set(dir, entry);
    if (reader.snap.error) this.warn(`${dir}: ${reader.snap.error}`);
    const fx = noEffects();
    reader.refresh(fx, undefined, true);
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

  points(dir: string): MetricPoint[] {
    return this.reader(dir)?.points() ?? [];
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
      e.reader.refresh(fx, undefined, true);
      this.queue(e, fx);
      e.traces?.index.poke();
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
    for (const em of [this.changedRuns, this.changedRun, this.metricsDelta]) em.dispose();
  }

  // ------------------------------------------------------------------ internals

  private queue(e: Entry, fx: ReadEffects): void {
    this.reportBad(fx);
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
      if (existsSync(join(run, RUN_FILES.run)) && isDir(run)) this.addRun(run);
    }
    for (const run of this.entries.keys()) {
      if (run.startsWith(dir + '/') && !existsSync(run)) this.removeRun(run);
    }
  }

  private watchRun(e: Entry): void {
    const onEvent = (stage: string) => () => {
      const fx = noEffects();
      e.reader.refresh(fx, stage);
      this.queue(e, fx);
      e.traces?.index.poke(stage);
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
      e.reader.refresh(fx);
      this.queue(e, fx);
      e.traces?.index.poke();
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
