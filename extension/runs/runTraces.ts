// One run's traces while a traces panel shows them: an index per stage's traces.jsonl (recipe order), kept
// current as the files grow (updates coalesced, one at a time per file), change events for the queries, and
// a small cache of parsed rows bounded in bytes. Nothing here holds a whole file (docs/ARCHITECTURE.md, "Traces").
import { RUN_FILES, type TraceRecord } from '../../protocol/runRecords';
import { stagePath } from '../../core/rundir/runDirReader';
import { TraceFileIndex, type IndexProblem, type TraceFileIndexOptions } from '../../core/rundir/traceFileIndex';
import { Emitter } from './emitter';

/** A trace's stable id within a run: its file (stage) and 0-based line there. */
export type TraceRef = number;
const FILE = 2 ** 32;
export const refOf = (file: number, ord: number): TraceRef => file * FILE + ord;
export const fileOfRef = (ref: TraceRef): number => Math.floor(ref / FILE);
export const ordOfRef = (ref: TraceRef): number => ref % FILE;

export interface TracesChange {
  file: number;
  /** Lines [from, to) were added to that file's index. */
  from: number;
  to: number;
  /** The file was truncated, replaced or removed: its earlier refs are void. */
  reset: boolean;
}

/** Most lines a run's indexes hold together (about 70 bytes each), shared evenly by its stages' files. */
export const RUN_MAX_LINES = 1_000_000;

export interface RunTracesOptions extends TraceFileIndexOptions {
  /** Bytes of parsed rows kept (estimated from their lines). */
  cacheBytes?: number;
  warn?: (message: string) => void;
}

export class RunTraces {
  readonly files: TraceFileIndex[];
  private readonly changed = new Emitter<TracesChange>();
  readonly onDidChange = this.changed.event;
  private readonly cache = new Map<TraceRef, { r: TraceRecord; bytes: number; gen: number }>();
  private cacheBytes = 0;
  private readonly maxCacheBytes: number;
  private readonly busy = new Set<number>();
  private readonly dirty = new Set<number>();
  private readonly reported = new Map<number, number>();
  private readonly unreadable = new Map<number, string | undefined>();
  private disposed = false;

  constructor(readonly runDir: string, readonly stageIds: readonly string[], private readonly o: RunTracesOptions = {}) {
    const maxLines = o.maxLines ?? Math.floor(RUN_MAX_LINES / Math.max(1, stageIds.length));
    this.files = stageIds.map((id) => new TraceFileIndex(stagePath(runDir, id, RUN_FILES.traces), id, { ...o, maxLines }));
    this.maxCacheBytes = o.cacheBytes ?? 16 << 20;
  }

  /** Schedules reading what was appended to one stage's file (or every file). */
  poke(stageId?: string): void {
    this.files.forEach((_, k) => {
      if (stageId === undefined || this.stageIds[k] === stageId) void this.updateFile(k);
    });
  }

  /** Reads every file now (resolves when each is current). */
  async refresh(): Promise<void> {
    await Promise.all(this.files.map((_, k) => this.updateFile(k)));
  }

  private async updateFile(k: number): Promise<void> {
    if (this.busy.has(k)) {
      this.dirty.add(k);
      return;
    }
    this.busy.add(k);
    try {
      do {
        this.dirty.delete(k);
        if (this.disposed) return;
        let u;
        try {
          u = await this.files[k].update();
        } catch (err) {
          this.o.warn?.(`${this.files[k].path}: ${(err as Error).message}`);
          return;
        }
        this.reportProblems(k);
        if (this.disposed || !u) continue;
        if (u.reset) this.dropCached(k);
        if (u.reset || u.to > u.from) this.changed.fire({ file: k, ...u });
      } while (this.dirty.has(k));
    } finally {
      this.busy.delete(k);
    }
  }

  private reportProblems(k: number): void {
    const f = this.files[k];
    if (f.unreadable && this.unreadable.get(k) !== f.unreadable) this.o.warn?.(`${f.path}: not read (${f.unreadable})`);
    this.unreadable.set(k, f.unreadable);
    const seen = this.reported.get(k) ?? 0;
    if (f.problems.length < seen) this.reported.set(k, 0);
    for (const p of f.problems.slice(this.reported.get(k) ?? 0)) this.o.warn?.(`${f.path}:${p.line}: skipped a line (${p.reason})${p.excerpt ? `: ${p.excerpt}` : ''}`);
    this.reported.set(k, f.problems.length);
  }

  private dropCached(k: number): void {
    for (const [ref, c] of this.cache) {
      if (fileOfRef(ref) !== k) continue;
      this.cache.delete(ref);
      this.cacheBytes -= c.bytes;
    }
  }

  /** Parsed records of refs (undefined for ones gone or unreadable); recently read ones come from the cache. */
  async records(refs: readonly TraceRef[]): Promise<(TraceRecord | undefined)[]> {
    const out: (TraceRecord | undefined)[] = new Array(refs.length).fill(undefined);
    const want = new Map<number, { ords: number[]; at: number[] }>();
    refs.forEach((ref, i) => {
      const k = fileOfRef(ref);
      const f = this.files[k];
      const hit = this.cache.get(ref);
      if (hit && f && hit.gen === f.generation) {
        this.cache.delete(ref);
        this.cache.set(ref, hit);
        out[i] = hit.r;
        return;
      }
      if (!f) return;
      let w = want.get(k);
      if (!w) want.set(k, (w = { ords: [], at: [] }));
      w.ords.push(ordOfRef(ref));
      w.at.push(i);
    });
    for (const [k, w] of want) {
      const f = this.files[k];
      const gen = f.generation;
      const got = await f.records(w.ords);
      if (gen !== f.generation) continue;
      got.forEach((r, j) => {
        if (!r) return;
        out[w.at[j]] = r;
        const ord = w.ords[j];
        this.remember(refOf(k, ord), r, f.len[ord - f.base] ?? 0, gen);
      });
    }
    return out;
  }

  private remember(ref: TraceRef, r: TraceRecord, lineBytes: number, gen: number): void {
    // A parsed record costs about twice its UTF-8 line in the heap (UTF-16 strings, object headers).
    const bytes = lineBytes * 2 + 200;
    if (bytes > this.maxCacheBytes / 4) return;
    const old = this.cache.get(ref);
    if (old) this.cacheBytes -= old.bytes;
    this.cache.delete(ref);
    this.cache.set(ref, { r, bytes, gen });
    this.cacheBytes += bytes;
    for (const [k, c] of this.cache) {
      if (this.cacheBytes <= this.maxCacheBytes) break;
      this.cache.delete(k);
      this.cacheBytes -= c.bytes;
    }
  }

  /** Traces indexed so far over every stage (bad, blank and over-long lines excluded). */
  get indexed(): number {
    return this.files.reduce((n, f) => n + f.traces, 0);
  }

  /** What the panel says about the files: lines skipped, lines beyond the index cap. */
  notices(): string[] {
    const out: string[] = [];
    for (const f of this.files) {
      const rel = `${RUN_FILES.stagesDir}/${f.stage}/${RUN_FILES.traces}`;
      if (f.unreadable) out.push(`${rel}: not read (${f.unreadable})`);
      if (f.badLines) {
        // Lines are parsed in the order they are shown (newest first): the earliest line found so far is named.
        const first = f.problems.reduce<IndexProblem | undefined>((a, p) => (!a || p.line < a.line ? p : a), undefined);
        const long = f.longLines ? ` (${f.longLines} over the line cap)` : '';
        out.push(`${rel}: ${f.badLines} line(s) skipped${long}${first ? `, e.g. line ${first.line}: ${first.reason}` : ''}`);
      }
      if (f.dropped) out.push(`${rel}: the oldest ${f.dropped} line(s) are not indexed (the index keeps the newest ${f.count - f.base})`);
    }
    return out;
  }

  /** Heap held by the indexes and the row cache (bytes, for the benchmark and the memory test). */
  heldBytes(): number {
    let n = this.cacheBytes;
    for (const f of this.files) n += f.start.byteLength * 2 + f.len.byteLength * 5 + f.flags.byteLength * 2 + f.bloom.byteLength + f.upper.byteLength + f.boundary.byteLength;
    return n;
  }

  dispose(): void {
    this.disposed = true;
    this.cache.clear();
    this.changed.dispose();
  }
}
