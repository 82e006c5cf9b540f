// A byte-offset index of one stage's traces.jsonl, so a 1 GB file is searched and paged without holding it:
// pass 1 finds each complete line's offset as the file grows (a torn last line waits for its newline, a line
// over the cap is skipped and counted, a file truncated or replaced under the index starts it over); pass 2,
// on demand, parses lines once for what filters and sorts need (step, stage, mean reward, longest response,
// largest advantage, prompt hash) plus Bloom filters per block of lines for search. Reads are async,
// in bounded chunks, so the extension host stays responsive (docs/ARCHITECTURE.md, "Traces").
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { meanReward, groupMax } from '../../protocol/traces';
import type { TraceRecord } from '../../protocol/runRecords';
import { BLOOM_WORDS, BOUNDARY_WORDS, UPPER_WORDS, addToFilters, searchableTexts } from './traceText';
import { MAX_UNIT_BYTES } from './appendedBytes';
import { openError } from './runDirReader';

/** Longest trace line indexed (bytes), the cap of every run-folder reader; longer lines are skipped and counted. */
export const TRACE_LINE_CAP = MAX_UNIT_BYTES;
/** Lines per Bloom block (a power of two). */
export const BLOCK_LINES = 32;
const BLOCK_SHIFT = Math.log2(BLOCK_LINES);
/** Bytes read per chunk, by pass 1 and by pass 2. */
const CHUNK = 1 << 20;
/** Bytes compared at the end of what was indexed, to notice a file rewritten to a similar size. */
const FINGERPRINT = 64;

/** Per-line state bits. */
export const LineFlag = {
  /** Parsed: the metadata columns hold its values. */
  Meta: 1,
  /** Not a trace (not JSON, or not the shape of a trace record). */
  Bad: 2,
  /** Blank. */
  Empty: 4,
  /** Longer than the cap. */
  Long: 8,
} as const;

export interface IndexProblem {
  /** 1-based line in the file. */
  line: number;
  reason: string;
  excerpt: string;
}

export interface IndexUpdate {
  /** Lines [from, to) were added (ordinals = 0-based line numbers). */
  from: number;
  to: number;
  /** The file was truncated or replaced: everything before was dropped, ordinals start again at 0. */
  reset: boolean;
}

export interface TraceFileIndexOptions {
  /** Most lines held; beyond it the oldest are dropped (counted). */
  maxLines?: number;
  lineCap?: number;
}

const isTrace = (v: unknown): v is TraceRecord =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as TraceRecord).step === 'number' && Array.isArray((v as TraceRecord).responses);

/** Opens a run-folder file for reading without following a symbolic link (ELOOP). */
export const openNoFollow = (path: string): Promise<FileHandle> => open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));

/** FNV-1a of a string's UTF-16 units: prompts are looked up by it, then checked. */
export function promptHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Parses one line's bytes into a trace record, or says why it is not one. */
export function parseTraceLine(buf: Buffer, s: number, e: number): TraceRecord | string {
  let v: unknown;
  try {
    v = parseJsonLoose(buf.toString('utf8', s, e));
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  return isTrace(v) ? v : 'not a trace record (needs a numeric "step" and a "responses" list)';
}

export class TraceFileIndex {
  /** Bumped whenever the file was found truncated or replaced (ordinals and results of before are void). */
  generation = 0;
  /** First ordinal still held (older ones dropped beyond maxLines) and one past the last. */
  base = 0;
  count = 0;
  /** Stage names seen in records (index 0 = this file's stage); a line's stage is one of these. */
  readonly stages: string[];
  private capacity = 0;
  start = new Float64Array(0);
  len = new Uint32Array(0);
  flags = new Uint8Array(0);
  step = new Float64Array(0);
  reward = new Float32Array(0);
  length = new Float32Array(0);
  advantage = new Float32Array(0);
  hash = new Uint32Array(0);
  stageOf = new Uint8Array(0);
  /**
   * Bloom filters per block of BLOCK_LINES ordinals, from block base>>BLOCK_SHIFT: every trigram (BLOOM_WORDS
   * words a block), those written with a capital (UPPER_WORDS a block) and word-boundary keys (BOUNDARY_WORDS).
   */
  bloom = new Uint32Array(0);
  upper = new Uint32Array(0);
  boundary = new Uint32Array(0);
  /** Lines that are not traces (bad JSON, wrong shape, over the cap), all of them, and the first few positioned. */
  badLines = 0;
  longLines = 0;
  readonly problems: IndexProblem[] = [];
  /** Lines dropped from the front beyond maxLines. */
  dropped = 0;
  /** Held lines known not to be traces (blank, bad, over-long). */
  private nonTraces = 0;

  private ino = -1;
  private mtimeMs = -1;
  private size = -1;
  /** Pass 1: start of the line being read (= end of the last complete line) and how far newlines were sought. */
  private lineStart = 0;
  private scanPos = 0;
  private fingerprint = Buffer.alloc(0);
  private updating?: Promise<IndexUpdate | undefined>;
  /** Why the file cannot be opened (a symbolic link, a permission), if it cannot. */
  unreadable?: string;
  private readonly maxLines: number;
  private readonly lineCap: number;

  constructor(readonly path: string, readonly stage: string, o: TraceFileIndexOptions = {}) {
    this.stages = [stage];
    this.maxLines = Math.max(BLOCK_LINES * 4, o.maxLines ?? 1_000_000);
    this.lineCap = o.lineCap ?? TRACE_LINE_CAP;
  }

  /** Lines held that are, or may yet turn out to be, traces (blank, bad and over-long lines excluded). */
  get traces(): number {
    return this.count - this.base - this.nonTraces;
  }

  /** Reads what was appended since the last call (one call at a time; concurrent callers share it). */
  update(): Promise<IndexUpdate | undefined> {
    this.updating ??= this.doUpdate().finally(() => (this.updating = undefined));
    return this.updating;
  }

  private async doUpdate(): Promise<IndexUpdate | undefined> {
    let fh: FileHandle;
    try {
      fh = await openNoFollow(this.path);
    } catch (err) {
      const why = openError(err);
      this.unreadable = why === 'missing' ? undefined : why;
      if (this.ino === -1) return undefined;
      this.reset(-1);
      return { from: 0, to: 0, reset: true };
    }
    this.unreadable = undefined;
    let reset = false;
    try {
      const fst = await fh.stat();
      if (fst.ino === this.ino && fst.size === this.size && fst.mtimeMs === this.mtimeMs) return undefined;
      if (this.ino !== -1 && (fst.ino !== this.ino || fst.size < this.lineStart || !(await this.sameFingerprint(fh)))) {
        this.reset(fst.ino);
        reset = true;
      }
      this.ino = fst.ino;
      this.size = fst.size;
      this.mtimeMs = fst.mtimeMs;
      // A torn tail that shrank, or was rewritten, is looked at again from its start.
      if (fst.size < this.scanPos || this.scanPos - this.lineStart < CHUNK) this.scanPos = this.lineStart;
      const from = this.count;
      const gen = this.generation;
      await this.findLines(fh, fst.size);
      if (gen !== this.generation) return { from: 0, to: this.count, reset: true };
      return { from: reset ? 0 : from, to: this.count, reset };
    } finally {
      await fh.close();
    }
  }

  private async sameFingerprint(fh: FileHandle): Promise<boolean> {
    const n = this.fingerprint.length;
    if (!n) return true;
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, this.lineStart - n);
    return bytesRead === n && buf.equals(this.fingerprint);
  }

  /** Pass 1: records every complete line from scanPos to `size`, then remembers the bytes before the last newline. */
  private async findLines(fh: FileHandle, size: number): Promise<void> {
    const buf = Buffer.allocUnsafe(CHUNK);
    const before = this.lineStart;
    while (this.scanPos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - this.scanPos), this.scanPos);
      if (bytesRead <= 0) break;
      for (let nl = buf.indexOf(0x0a); nl !== -1 && nl < bytesRead; nl = buf.indexOf(0x0a, nl + 1)) {
        this.addLine(this.lineStart, this.scanPos + nl);
        this.lineStart = this.scanPos + nl + 1;
      }
      this.scanPos += bytesRead;
    }
    if (this.lineStart !== before) {
      const n = Math.min(FINGERPRINT, this.lineStart);
      const b = Buffer.alloc(n);
      await fh.read(b, 0, n, this.lineStart - n);
      this.fingerprint = b;
    }
  }

  private addLine(s: number, e: number): void {
    if (this.count - this.base >= this.capacity) this.grow();
    if (this.count - this.base >= this.maxLines) this.dropOldest();
    const i = this.count - this.base;
    const n = e - s;
    this.start[i] = s;
    this.len[i] = n;
    this.flags[i] = n === 0 ? LineFlag.Empty : n > this.lineCap ? LineFlag.Long : 0;
    this.step[i] = NaN;
    if (this.flags[i]) this.nonTraces++;
    if (n > this.lineCap) {
      this.longLines++;
      this.badLines++;
      const cap = this.lineCap >= 1 << 20 ? `${+(this.lineCap / 1048576).toFixed(1)} MiB` : `${this.lineCap}-byte`;
      this.problem(this.count + 1, `longer than the ${cap} line cap (${n} bytes); skipped`, '');
    }
    this.count++;
    if ((this.count - 1) % BLOCK_LINES === 0) this.ensureBloom();
  }

  private problem(line: number, reason: string, excerpt: string): void {
    if (this.problems.length < 20) this.problems.push({ line, reason, excerpt });
  }

  private grow(): void {
    const cap = Math.max(1024, this.capacity * 2);
    const re = <T extends Float64Array | Uint32Array | Uint8Array | Float32Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a.subarray(0, this.count - this.base));
      return b;
    };
    this.start = re(this.start, Float64Array);
    this.len = re(this.len, Uint32Array);
    this.flags = re(this.flags, Uint8Array);
    this.step = re(this.step, Float64Array);
    this.reward = re(this.reward, Float32Array);
    this.length = re(this.length, Float32Array);
    this.advantage = re(this.advantage, Float32Array);
    this.hash = re(this.hash, Uint32Array);
    this.stageOf = re(this.stageOf, Uint8Array);
    this.capacity = cap;
  }

  /** Drops the oldest quarter of what is held (whole Bloom blocks) to stay under maxLines. */
  private dropOldest(): void {
    const drop = Math.max(BLOCK_LINES, Math.floor(this.maxLines / 4 / BLOCK_LINES) * BLOCK_LINES);
    const firstBlock = this.base >> BLOCK_SHIFT;
    const newBase = ((this.base + drop) >> BLOCK_SHIFT) << BLOCK_SHIFT;
    const k = newBase - this.base;
    for (let i = 0; i < k; i++) if (this.flags[i] & (LineFlag.Bad | LineFlag.Empty | LineFlag.Long)) this.nonTraces--;
    for (const a of [this.start, this.len, this.flags, this.step, this.reward, this.length, this.advantage, this.hash, this.stageOf]) a.copyWithin(0, k, this.count - this.base);
    const blocks = (newBase >> BLOCK_SHIFT) - firstBlock;
    this.bloom.copyWithin(0, blocks * BLOOM_WORDS);
    this.bloom.fill(0, this.bloom.length - blocks * BLOOM_WORDS);
    this.upper.copyWithin(0, blocks * UPPER_WORDS);
    this.upper.fill(0, this.upper.length - blocks * UPPER_WORDS);
    this.boundary.copyWithin(0, blocks * BOUNDARY_WORDS);
    this.boundary.fill(0, this.boundary.length - blocks * BOUNDARY_WORDS);
    this.dropped += k;
    this.base = newBase;
  }

  private ensureBloom(): void {
    const blocks = ((this.count - 1) >> BLOCK_SHIFT) - (this.base >> BLOCK_SHIFT) + 1;
    if (blocks * BLOOM_WORDS <= this.bloom.length) return;
    const room = Math.max(blocks, (2 * this.bloom.length) / BLOOM_WORDS);
    const b = new Uint32Array(room * BLOOM_WORDS);
    b.set(this.bloom);
    this.bloom = b;
    const u = new Uint32Array(room * UPPER_WORDS);
    u.set(this.upper);
    this.upper = u;
    const w = new Uint32Array(room * BOUNDARY_WORDS);
    w.set(this.boundary);
    this.boundary = w;
  }

  /** Word offset of ordinal `ord`'s block filter in `bloom`, and in `upper`. */
  bloomAt(ord: number): number {
    return ((ord >> BLOCK_SHIFT) - (this.base >> BLOCK_SHIFT)) * BLOOM_WORDS;
  }

  upperAt(ord: number): number {
    return ((ord >> BLOCK_SHIFT) - (this.base >> BLOCK_SHIFT)) * UPPER_WORDS;
  }

  boundaryAt(ord: number): number {
    return ((ord >> BLOCK_SHIFT) - (this.base >> BLOCK_SHIFT)) * BOUNDARY_WORDS;
  }

  private reset(ino: number): void {
    this.generation++;
    this.base = this.count = 0;
    this.capacity = 0;
    this.start = new Float64Array(0);
    this.len = new Uint32Array(0);
    this.flags = new Uint8Array(0);
    this.step = new Float64Array(0);
    this.reward = new Float32Array(0);
    this.length = new Float32Array(0);
    this.advantage = new Float32Array(0);
    this.hash = new Uint32Array(0);
    this.stageOf = new Uint8Array(0);
    this.bloom = new Uint32Array(0);
    this.upper = new Uint32Array(0);
    this.boundary = new Uint32Array(0);
    this.stages.length = 1;
    this.badLines = this.longLines = this.dropped = this.nonTraces = 0;
    this.problems.length = 0;
    this.ino = ino;
    this.size = this.mtimeMs = -1;
    this.lineStart = this.scanPos = 0;
    this.fingerprint = Buffer.alloc(0);
  }

  flagsOf(ord: number): number {
    return ord >= this.base && ord < this.count ? this.flags[ord - this.base] : LineFlag.Bad;
  }

  /** Whether line `ord` is a parsed trace (its metadata is valid). */
  isTrace(ord: number): boolean {
    return (this.flagsOf(ord) & (LineFlag.Meta | LineFlag.Bad)) === LineFlag.Meta;
  }

  /** Byte range of lines [from, to) in the file (they are contiguous). */
  span(from: number, to: number): [number, number] {
    return [this.start[from - this.base], this.start[to - 1 - this.base] + this.len[to - 1 - this.base]];
  }

  /**
   * Pass 2 for lines [from, to): parses those not parsed yet (async, chunked). Returns false when the index
   * was reset meanwhile (the caller's ordinals are void).
   */
  async ensureMeta(from: number, to: number): Promise<boolean> {
    const gen = this.generation;
    const unparsed = (o: number) => o >= this.base && this.flags[o - this.base] === 0;
    let o = Math.max(from, this.base);
    to = Math.min(to, this.count);
    while (o < to && !unparsed(o)) o++;
    if (o >= to) return true;
    let ok = true;
    const scratch = Buffer.allocUnsafe(CHUNK);
    const opened = await this.withFile(async (fh) => {
      while (o < to && ok) {
        o = Math.max(o, this.base);
        while (o < to && !unparsed(o)) o++;
        if (o >= to) break;
        // A run of unparsed lines whose bytes fit one chunk (a single long line is read alone).
        let e = o + 1;
        while (e < to && unparsed(e) && this.start[e - this.base] + this.len[e - this.base] - this.start[o - this.base] <= CHUNK) e++;
        const got = await this.readInto(fh, o, e, scratch);
        ok = !!got && gen === this.generation;
        if (ok) this.parseRun(o, e, got!.buf, got!.at);
        o = e;
      }
    });
    return opened && ok && gen === this.generation;
  }

  /** Opens the file (never through a link) for `fn` if it is still the indexed one; false if it is not. */
  private async withFile(fn: (fh: FileHandle) => Promise<void>): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await openNoFollow(this.path);
    } catch {
      return false;
    }
    try {
      if ((await fh.stat()).ino !== this.ino) return false;
      await fn(fh);
      return true;
    } finally {
      await fh.close();
    }
  }

  /** Reads lines [from, to) into `scratch` when they fit (else a new buffer); undefined if the file is shorter. */
  private async readInto(fh: FileHandle, from: number, to: number, scratch?: Buffer): Promise<{ buf: Buffer; at: number } | undefined> {
    if (from < this.base || to > this.count || from >= to) return undefined;
    const [s, e] = this.span(from, to);
    const buf = scratch && scratch.length >= e - s ? scratch.subarray(0, e - s) : Buffer.allocUnsafe(e - s);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, s + got);
      if (bytesRead <= 0) return undefined;
      got += bytesRead;
    }
    return { buf, at: s };
  }

  private parseRun(from: number, to: number, buf: Buffer, at: number): void {
    for (let o = Math.max(from, this.base); o < to; o++) {
      const i = o - this.base;
      if (this.flags[i] !== 0) continue;
      const s = this.start[i] - at;
      const r = parseTraceLine(buf, s, s + this.len[i]);
      if (typeof r === 'string') {
        if (/^\s*$/.test(buf.toString('latin1', s, s + Math.min(this.len[i], 64))) && this.len[i] < 64) {
          this.flags[i] = LineFlag.Empty;
          this.nonTraces++;
          continue;
        }
        this.flags[i] = LineFlag.Bad;
        this.nonTraces++;
        this.badLines++;
        this.problem(o + 1, r, buf.toString('utf8', s, s + Math.min(this.len[i], 80)));
        continue;
      }
      this.noteMeta(o, r);
    }
  }

  /** Fills line `ord`'s metadata and its block's Bloom filter from its parsed record. */
  noteMeta(ord: number, r: TraceRecord): void {
    const i = ord - this.base;
    this.flags[i] = LineFlag.Meta;
    this.step[i] = Number.isFinite(r.step) ? r.step : NaN;
    this.reward[i] = meanReward(r.responses);
    this.length[i] = groupMax(r.responses, 'length');
    this.advantage[i] = groupMax(r.responses, 'advantage');
    this.hash[i] = promptHash(typeof r.prompt_id === 'string' ? r.prompt_id : String(r.prompt_id));
    this.stageOf[i] = this.stageIndex(r.stage);
    const at = this.bloomAt(ord);
    const uat = this.upperAt(ord);
    const bat = this.boundaryAt(ord);
    for (const t of searchableTexts(r)) addToFilters(this.bloom, at, this.upper, uat, this.boundary, bat, t);
  }

  private stageIndex(s: unknown): number {
    if (typeof s !== 'string' || !s || s.length > 200) return 0;
    const k = this.stages.indexOf(s);
    if (k >= 0) return k;
    if (this.stages.length >= 255) return 0;
    this.stages.push(s);
    return this.stages.length - 1;
  }

  /**
   * Calls `fn` with groups of the lines of `ords` that are held and may be traces (ascending), each group read
   * in one go (at most a chunk, or one longer line alone): the buffer, the file offset of its first byte, and
   * the group's lines. Returns false if the index was reset meanwhile (the ordinals are void).
   */
  async eachGroup(ords: readonly number[], fn: (buf: Buffer, at: number, group: number[]) => void): Promise<boolean> {
    const gen = this.generation;
    const want = ords.filter((o) => o >= this.base && o < this.count && !(this.flags[o - this.base] & (LineFlag.Long | LineFlag.Empty | LineFlag.Bad)));
    if (!want.length) return true;
    want.sort((a, b) => a - b);
    // One open file and one buffer for every group (`fn` is synchronous: the buffer is free again after it).
    const scratch = Buffer.allocUnsafe(CHUNK);
    await this.withFile(async (fh) => {
      let j = 0;
      while (j < want.length && gen === this.generation) {
        let e = j + 1;
        while (e < want.length && this.span(want[j], want[e] + 1)[1] - this.start[want[j] - this.base] <= CHUNK) e++;
        const got = await this.readInto(fh, want[j], want[e - 1] + 1, scratch);
        if (gen !== this.generation) return;
        const group = want.slice(j, e).filter((o) => o >= this.base);
        if (got && group.length) fn(got.buf, got.at, group);
        j = e;
      }
    });
    return gen === this.generation;
  }

  /** Calls `fn` with the bytes of each line of `ords` that is held and may be a trace (see eachGroup). */
  eachLine(ords: readonly number[], fn: (ord: number, buf: Buffer, s: number, e: number) => void): Promise<boolean> {
    return this.eachGroup(ords, (buf, at, group) => {
      for (const o of group) {
        const s = this.start[o - this.base] - at;
        fn(o, buf, s, s + this.len[o - this.base]);
      }
    });
  }

  /** Start and end (exclusive) byte offsets of line `ord` in the file. */
  bytesOf(ord: number): [number, number] {
    const i = ord - this.base;
    return [this.start[i], this.start[i] + this.len[i]];
  }

  /** Parsed records of lines (any order); undefined for lines that are gone, changed or not traces. */
  async records(ords: readonly number[]): Promise<(TraceRecord | undefined)[]> {
    const byOrd = new Map<number, TraceRecord>();
    await this.eachLine(ords, (o, buf, s, e) => {
      const r = parseTraceLine(buf, s, e);
      if (typeof r === 'string') return;
      if (!(this.flags[o - this.base] & LineFlag.Meta)) this.noteMeta(o, r);
      byOrd.set(o, r);
    });
    return ords.map((o) => byOrd.get(o));
  }
}
