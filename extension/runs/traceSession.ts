// The host side of one traces page, without 'vscode': answers its query, page and timeline messages from the
// run's trace index, and tells it how its result changes (throttled; always before rows, so the page's
// positions and the host's agree). The traces panel wires it to a webview; the webview tests to Chromium.
import type { HostMessage, ParamsOf, RunInfo, TraceItem, WebviewMessage } from '../../protocol/messages';
import type { TraceRecord } from '../../protocol/runRecords';
import type { TraceQuery } from '../../protocol/traces';
import { fileOfRef, ordOfRef, type RunTraces, type TraceRef } from './runTraces';
import { TraceResultSet, type ResultChange } from './traceQuery';
import { promptTimeline } from './traceTimeline';

export interface TraceSessionHost {
  post<M extends HostMessage['method']>(method: M, params: ParamsOf<HostMessage, M>): void;
  /** The trace's image as a URI the page may load, or undefined to drop it (a path leaving its stage folder). */
  imageUri(stage: string, image: string): string | undefined;
  /** The run (stage ids and global offsets, for timelines). */
  info(): RunInfo;
  warn(message: string): void;
}

/** Result messages go out at most this often while a search runs or traces stream (ms). */
const RESULT_MS = 100;

export class TraceSession {
  /** What went to the page (the host test and the benchmark check that it is pages, not the run). */
  readonly stats = { queries: 0, rowsSent: 0, timelines: 0 };
  private result?: TraceResultSet;
  private seq = -1;
  private query?: TraceQuery;
  /** Changes not yet posted (coalesced), and the timer that posts them. */
  private pending?: { shift: number; reorder: boolean };
  private timer?: NodeJS.Timeout;
  private lastPost = 0;
  /** Whether the last result posted said the search was done. */
  private postedDone = false;
  private timelineSeq = 0;
  private disposed = false;
  private readonly ready: Promise<void>;
  private readonly sub: { dispose(): void };

  private readonly resultMs: number;

  /** `resultMs`: result messages go out at most this often (default RESULT_MS). */
  constructor(readonly traces: RunTraces, private readonly host: TraceSessionHost, o: { resultMs?: number } = {}) {
    this.resultMs = o.resultMs ?? RESULT_MS;
    this.ready = traces.refresh().catch((err) => host.warn(`traces: ${(err as Error).message}`));
    this.sub = traces.onDidChange((c) => {
      if (c.reset && this.query) this.start(this.seq, this.query, true);
    });
  }

  /** Handles a traces message from the page; false for messages that are not the session's. */
  handle(m: WebviewMessage): boolean {
    switch (m.method) {
      case 'traces/query':
        void this.ready.then(() => this.start(m.params.seq, m.params.query, false));
        return true;
      case 'traces/rows':
        void this.rows(m.params.seq, m.params.version, m.params.from, m.params.to).catch((err) => this.host.warn(`traces: ${(err as Error).stack ?? err}`));
        return true;
      case 'traces/timeline':
        void this.timeline(m.params.promptId).catch((err) => this.host.warn(`traces: ${(err as Error).stack ?? err}`));
        return true;
      default:
        return false;
    }
  }

  /** The current query's state (tests and the memory benchmark wait on it). */
  current(): { seq: number; total: number; done: boolean } | undefined {
    return this.result && { seq: this.seq, total: this.result.total, done: this.result.done };
  }

  /** The page (re)loaded: its next query starts afresh. */
  reset(): void {
    this.result?.cancel();
    this.result = undefined;
    this.query = undefined;
    this.seq = -1;
    this.clearPending();
  }

  private start(seq: number, query: TraceQuery, restart: boolean): void {
    if (this.disposed || (!restart && seq < this.seq)) return;
    const old = this.result;
    old?.cancel();
    this.clearPending();
    this.seq = seq;
    this.query = query;
    // A restart (a file rewritten under the query) continues the version count: the page's rows are stale.
    const r = new TraceResultSet(this.traces, query, restart && old ? old.version + 1 : 0);
    this.result = r;
    this.stats.queries++;
    r.onDidChange((c) => this.changed(r, c));
    this.postResult(r, restart ? { reorder: true } : {});
    void r.run();
  }

  private changed(r: TraceResultSet, c: ResultChange): void {
    if (r !== this.result) return;
    const p = (this.pending ??= { shift: 0, reorder: false });
    if (c.reorder) {
      p.reorder = true;
      p.shift = 0;
    } else p.shift += c.shift ?? 0;
    // The end of a search goes out at once (the count is final); other changes at most every resultMs.
    if (r.done && !this.postedDone) return this.flush();
    if (this.timer) return;
    const wait = Math.max(0, this.lastPost + this.resultMs - Date.now());
    if (wait === 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private clearPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  /** Posts the coalesced change now (before any rows, so the page knows the version they are in). */
  private flush(): void {
    const p = this.pending;
    const r = this.result;
    this.clearPending();
    if (!p || !r) return;
    this.postResult(r, { shift: p.shift || undefined, reorder: p.reorder || undefined });
  }

  private postResult(r: TraceResultSet, c: { shift?: number; reorder?: boolean }): void {
    this.lastPost = Date.now();
    this.postedDone = r.done;
    const notices = this.traces.notices();
    this.host.post('traces/result', {
      seq: this.seq, version: r.version, total: r.total, indexed: this.traces.indexed, done: r.done,
      ...(c.shift ? { shift: c.shift } : {}), ...(c.reorder ? { reorder: true } : {}), ...(notices.length ? { notices } : {}),
    });
  }

  private async rows(seq: number, version: number, from: number, to: number): Promise<void> {
    const r = this.result;
    if (!r || seq !== this.seq) return;
    const start = r.convert(from, version);
    if (start === undefined) return;
    await r.until(start + (to - from));
    if (r !== this.result) return;
    const at = r.version;
    const first = r.convert(from, version);
    if (first === undefined) return;
    const refs: TraceRef[] = [];
    for (let p = first; p < first + (to - from) && p < r.total; p++) refs.push(r.refAt(p)!);
    if (!refs.length) return;
    const recs = await this.traces.records(refs);
    if (r !== this.result || this.disposed) return;
    this.flush();
    const now = r.convert(first, at);
    if (now === undefined) return;
    this.stats.rowsSent += refs.length;
    this.host.post('traces/rows', { seq, version: r.version, from: now, items: recs.map((rec, i) => (rec ? this.item(refs[i], rec) : null)) });
  }

  private item(ref: TraceRef, rec: TraceRecord): TraceItem {
    const f = this.traces.files[fileOfRef(ref)];
    const stage = typeof rec.stage === 'string' ? rec.stage : f.stage;
    const item: TraceItem = { ...rec, stage, run: this.traces.runDir, line: ordOfRef(ref) + 1 };
    if (typeof rec.image === 'string' && rec.image) {
      // The image lives in the folder of the file the trace came from.
      const uri = this.host.imageUri(f.stage, rec.image);
      if (uri) item.imageUri = uri;
      else delete item.image;
    } else delete item.image;
    return item;
  }

  private async timeline(promptId: string): Promise<void> {
    const mine = ++this.timelineSeq;
    await this.ready;
    const offsets = new Map(this.host.info().stages.map((s) => [s.id, s.globalOffset] as const));
    const t = await promptTimeline(this.traces, promptId, offsets);
    if (mine !== this.timelineSeq || this.disposed) return;
    this.stats.timelines++;
    this.host.post('traces/timeline', t);
  }

  dispose(): void {
    this.disposed = true;
    this.result?.cancel();
    this.clearPending();
    this.sub.dispose();
  }
}
