// One query over a run's trace index (filters, full-text search, sort) and its result by position, built on
// the host a batch at a time in the order it is shown — so the first page is ready long before the whole run
// is searched — and kept current as traces stream in: newest-first results take new traces at the top (a
// shift), sorted ones re-sort (a reorder). Pages are answered by position in a given version of the result;
// positions the page holds from an older version are moved by the shifts since (docs/ARCHITECTURE.md, "Traces").
import type { TraceFilter, TraceQuery } from '../../protocol/traces';
import { LineFlag, type TraceFileIndex } from '../../core/rundir/traceFileIndex';
import { linesContaining } from '../../core/rundir/traceSearch';
import { compileSearch, type TextQuery } from '../../core/rundir/traceText';
import { Emitter } from './emitter';
import { fileOfRef, ordOfRef, refOf, type RunTraces, type TraceRef, type TracesChange } from './runTraces';

/** Lines examined per batch, and the most time spent before yielding to the event loop (ms). */
const BATCH = 512;
const SLICE_MS = 8;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export interface ResultChange {
  version: number;
  shift?: number;
  reorder?: boolean;
}

const set = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const near = (bound: number) => 1e-6 * Math.max(1, Math.abs(bound));

/** Whether line `ord` of `f` (parsed) passes the filter, from the index's columns alone. */
export function lineMatches(f: TraceFileIndex, ord: number, filter: TraceFilter, runDir: string): boolean {
  const i = ord - f.base;
  if (filter.run && filter.run !== runDir) return false;
  if (filter.stage && f.stages[f.stageOf[i]] !== filter.stage) return false;
  const step = f.step[i];
  if (set(filter.stepMin) && !(step >= filter.stepMin)) return false;
  if (set(filter.stepMax) && !(step <= filter.stepMax)) return false;
  const r = f.reward[i];
  if (set(filter.rewardMin) && !(r >= filter.rewardMin - near(filter.rewardMin))) return false;
  if (set(filter.rewardMax) && !(r <= filter.rewardMax + near(filter.rewardMax))) return false;
  return true;
}

export class TraceResultSet {
  version = 0;
  done = false;
  /** Lines examined by the scan so far, of `toScan`. */
  scanned = 0;
  readonly toScan: number;
  private body: TraceRef[] = [];
  /** Time order: matches among traces that arrived after the query started, oldest first. */
  private head: TraceRef[] = [];
  /** Cumulative shift at each recent version (positions of version v move by cum[now] − cum[v]). */
  private cum = new Map<number, number>([[0, 0]]);
  private cumNow = 0;
  private cancelled = false;
  private waiters: { n: number; resolve: () => void }[] = [];
  private live: Promise<void> = Promise.resolve();
  /** Per file: the scan covers lines below scanTop; lines from liveTop on are taken as they arrive. */
  private readonly scanTop: number[];
  private readonly liveTop: number[];
  private readonly text?: TextQuery;
  private readonly changed = new Emitter<ResultChange>();
  readonly onDidChange = this.changed.event;
  private readonly sub: { dispose(): void };

  constructor(private readonly traces: RunTraces, readonly query: TraceQuery, readonly firstVersion = 0) {
    this.version = firstVersion;
    this.cum = new Map([[firstVersion, 0]]);
    this.text = compileSearch((query.search ?? '').slice(0, 256));
    this.scanTop = traces.files.map((f) => f.count);
    this.liveTop = [...this.scanTop];
    this.toScan = traces.files.reduce((n, f) => n + f.count - f.base, 0);
    this.sub = traces.onDidChange((c) => this.onLive(c));
  }

  private get timeOrder(): boolean {
    return this.query.sort === 'time';
  }

  /** Runs the scan to its end (or until cancelled); never rejects. */
  async run(): Promise<void> {
    try {
      await this.scan();
    } catch (err) {
      console.error('[see2think] trace query failed:', err);
    }
    if (this.cancelled) return;
    if (!this.timeOrder) this.sortBody();
    this.done = true;
    this.bump(this.timeOrder ? {} : { reorder: true });
  }

  private async scan(): Promise<void> {
    const files = this.traces.files;
    const desc = this.query.descending || !this.timeOrder;
    const order = files.map((_, k) => k);
    if (desc) order.reverse();
    let t0 = performance.now();
    for (const k of order) {
      const f = files[k];
      const top = this.scanTop[k];
      let pos = desc ? top : f.base;
      for (;;) {
        if (this.cancelled) return;
        const lo = f.base;
        let a: number;
        let b: number;
        if (desc) {
          b = Math.min(pos, f.count);
          a = Math.max(lo, b - BATCH);
          if (a >= b) break;
          pos = a;
        } else {
          a = Math.max(pos, lo);
          b = Math.min(a + BATCH, top);
          if (a >= b) break;
          pos = b;
        }
        const found = await this.matchRange(k, a, b);
        if (this.cancelled || !found) return;
        if (desc) found.reverse();
        this.scanned += b - a;
        if (found.length) {
          for (const o of found) this.body.push(refOf(k, o));
          if (this.timeOrder) this.bump({});
        }
        if (performance.now() - t0 > SLICE_MS) {
          await yieldToLoop();
          t0 = performance.now();
        }
      }
    }
  }

  /** The lines of [a, b) of file k that match, ascending; undefined when the file was reset meanwhile. */
  async matchRange(k: number, a: number, b: number): Promise<number[] | undefined> {
    const f = this.traces.files[k];
    if (!(await f.ensureMeta(a, b))) return undefined;
    const cands: number[] = [];
    for (let o = Math.max(a, f.base); o < Math.min(b, f.count); o++) {
      if ((f.flags[o - f.base] & (LineFlag.Meta | LineFlag.Bad)) === LineFlag.Meta && lineMatches(f, o, this.query.filter, this.traces.runDir)) cands.push(o);
    }
    return this.text && cands.length ? linesContaining(f, cands, this.text) : cands;
  }

  private onLive(c: TracesChange): void {
    if (this.cancelled || c.reset) return;
    const from = Math.max(c.from, this.liveTop[c.file]);
    if (from >= c.to) return;
    this.liveTop[c.file] = c.to;
    this.live = this.live.then(async () => {
      for (let a = from; a < c.to && !this.cancelled; a += BATCH) {
        const found = await this.matchRange(c.file, a, Math.min(c.to, a + BATCH));
        if (this.cancelled || !found?.length) continue;
        this.takeLive(found.map((o) => refOf(c.file, o)));
      }
    }).catch((err) => console.error('[see2think] live trace query failed:', err));
  }

  private takeLive(refs: TraceRef[]): void {
    if (this.timeOrder) {
      this.head.push(...refs);
      // Newest first: they enter at the top and push every row down. Oldest first: they follow the scan's rows.
      if (this.query.descending) this.bump({ shift: refs.length });
      else if (this.done) this.bump({});
      return;
    }
    if (!this.done) {
      this.body.push(...refs);
      return;
    }
    for (const ref of refs) {
      const at = this.insertionPoint(ref);
      this.body.splice(at, 0, ref);
    }
    this.bump({ reorder: true });
  }

  /** Sort key of a ref (NaN sorts last either way). */
  private key(ref: TraceRef): number {
    const f = this.traces.files[fileOfRef(ref)];
    const i = ordOfRef(ref) - f.base;
    if (i < 0) return NaN;
    const col = this.query.sort === 'length' ? f.length : this.query.sort === 'reward' ? f.reward : f.advantage;
    return col[i];
  }

  /** Sort order: by key (descending or ascending), NaN last, ties newest first. */
  private compare(ka: number, ra: TraceRef, kb: number, rb: TraceRef): number {
    const na = Number.isNaN(ka);
    const nb = Number.isNaN(kb);
    if (na || nb) return na === nb ? rb - ra : na ? 1 : -1;
    if (ka !== kb) return this.query.descending ? kb - ka : ka - kb;
    return rb - ra;
  }

  private sortBody(): void {
    const n = this.body.length;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.key(this.body[i]);
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((a, b) => this.compare(keys[a], this.body[a], keys[b], this.body[b]));
    this.body = Array.from(idx, (i) => this.body[i]);
  }

  private insertionPoint(ref: TraceRef): number {
    const k = this.key(ref);
    let lo = 0;
    let hi = this.body.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.key(this.body[mid]), this.body[mid], k, ref) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private bump(c: { shift?: number; reorder?: boolean }): void {
    this.version++;
    if (c.reorder) {
      this.cum = new Map();
      this.cumNow = 0;
    } else this.cumNow += c.shift ?? 0;
    this.cum.set(this.version, this.cumNow);
    if (this.cum.size > 512) this.cum.delete(this.cum.keys().next().value!);
    this.waiters = this.waiters.filter((w) => {
      if (this.total < w.n && !this.done) return true;
      w.resolve();
      return false;
    });
    this.changed.fire({ version: this.version, ...c });
  }

  /** Rows shown now. */
  get total(): number {
    if (!this.timeOrder) return this.done ? this.body.length : 0;
    if (this.query.descending) return this.head.length + this.body.length;
    return this.body.length + (this.done ? this.head.length : 0);
  }

  /** The ref at a position of the current version. */
  refAt(pos: number): TraceRef | undefined {
    if (pos < 0 || pos >= this.total) return undefined;
    if (!this.timeOrder) return this.body[pos];
    if (this.query.descending) return pos < this.head.length ? this.head[this.head.length - 1 - pos] : this.body[pos - this.head.length];
    return pos < this.body.length ? this.body[pos] : this.head[pos - this.body.length];
  }

  /** Moves a position of version `v` to the current version; undefined if a reorder came between (or v is unknown). */
  convert(pos: number, v: number): number | undefined {
    const c = this.cum.get(v);
    return c === undefined ? undefined : pos + this.cumNow - c;
  }

  /** Resolves once at least `n` rows exist or the scan is done. */
  until(n: number): Promise<void> {
    if (this.total >= n || this.done || this.cancelled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  cancel(): void {
    this.cancelled = true;
    this.sub.dispose();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    this.changed.dispose();
  }
}
