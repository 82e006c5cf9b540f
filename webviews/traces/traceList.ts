// The virtualised, paged list of the current query's traces: the host holds the result, the list knows its
// length and asks for the pages in view (PageCache), drawing a placeholder row until a page arrives. Rows
// are one line until expanded; an expanded row's measured height enters the RowLayout. Traces streaming in
// at the top (newest first) either stay in view (follow) or push in above without moving what is being read.
import type { TraceItem } from '../../protocol/messages';
import type { TracesResult } from '../../protocol/traces';
import { el } from '../common/dom';
import { RowLayout } from './rowLayout';
import { PageCache, PAGE_ROWS } from './pageCache';
import { summaryRow, detailView } from './traceView';

export const ROW_HEIGHT = 28;
const OVERSCAN = 6;

/** A trace's stable key in a run: its stage file and line (what expansion is saved by). */
export const traceKey = (t: TraceItem): string => `${t.run}\n${t.stage}\n${t.line ?? `${t.step}\n${t.prompt_id}`}`;

export interface ListStats {
  renders: number;
  rowsBuilt: number;
  /** Pages asked for. */
  requests: number;
}

export interface ListHost {
  runLabel(run: string): string | undefined;
  /** The count or the rows in view changed. */
  changed(): void;
  /** Ask the host for rows [from, to) of the current result version. */
  request(seq: number, version: number, from: number, to: number): void;
  /** The user asked for a prompt's timeline. */
  timeline(promptId: string): void;
}

export class TraceList {
  readonly root: HTMLElement;
  readonly stats: ListStats = { renders: 0, rowsBuilt: 0, requests: 0 };
  readonly cache = new PageCache();
  private readonly layout = new RowLayout(ROW_HEIGHT);
  private readonly sizer: HTMLElement;
  /** Rows in the DOM by id (a trace key, or "~pos" for a placeholder). */
  private readonly rows = new Map<string, HTMLElement>();
  private readonly expanded = new Set<string>();
  /** Measured extra height of expanded rows, by key, and where expanded rows are (as far as known). */
  private readonly extra = new Map<string, number>();
  private readonly expandedAt = new Map<string, number>();
  private frame = 0;
  private readonly resize: ResizeObserver;

  descending = true;
  /** The result is in time order (live traces enter at the top or the bottom, not in the middle). */
  timeOrder = true;
  follow = true;
  search: string | undefined;
  /** A restored view's top position: scrolled to once the result is that long. */
  private anchor: number | undefined;

  constructor(private readonly host: ListHost) {
    this.sizer = el('div', { class: 'sizer' });
    this.root = el('div', { class: 'list', attrs: { role: 'list', tabindex: '0' } }, this.sizer);
    this.root.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.root.addEventListener('click', (e) => this.onClick(e));
    this.root.addEventListener('keydown', (e) => {
      if ((e.key === 'Enter' || e.key === ' ') && (e.target as HTMLElement).classList.contains('summary')) {
        e.preventDefault();
        this.onClick(e);
      }
    });
    // Expanded rows change height when their image loads or the panel is resized: re-measure them.
    this.resize = new ResizeObserver((entries) => {
      let changed = false;
      for (const e of entries) changed = this.measure(e.target as HTMLElement) || changed;
      if (changed) this.relayout();
    });
    new ResizeObserver(() => this.schedule()).observe(this.root);
  }

  /** Rows in the result now. */
  get count(): number {
    return this.cache.total;
  }

  /** A new query was sent: nothing is shown until its result comes. */
  start(seq: number): void {
    this.cache.start(seq);
    this.expandedAt.clear();
    this.clearRows();
    this.relayout();
    this.root.scrollTop = 0;
    this.schedule();
  }

  private clearRows(): void {
    for (const r of this.rows.values()) {
      this.resize.unobserve(r);
      r.remove();
    }
    this.rows.clear();
  }

  /** Applies the host's news about the current result. */
  result(r: TracesResult): void {
    const atStart = this.root.scrollTop <= 1;
    const atEnd = this.root.scrollTop + this.root.clientHeight >= this.root.scrollHeight - 2;
    const c = this.cache.result(r);
    if (!c) return;
    if (c.reorder) {
      this.expandedAt.clear();
      this.clearRows();
    } else if (c.shift) {
      for (const [k, p] of this.expandedAt) this.expandedAt.set(k, p + c.shift);
    }
    for (const [k, p] of this.expandedAt) if (p >= this.cache.total) this.expandedAt.delete(k);
    this.relayout();
    if (this.anchor !== undefined) {
      // Restored below in render(), once the list is long enough and shown.
    } else if (this.timeOrder && this.descending) {
      // New rows enter at the top: follow shows them; otherwise keep the rows the user is reading still.
      if (this.follow && atStart) this.root.scrollTop = 0;
      else if (c.shift) this.root.scrollTop += c.shift * ROW_HEIGHT;
    } else if (this.timeOrder && this.follow && atEnd) {
      this.root.scrollTop = this.root.scrollHeight;
    }
    this.schedule();
  }

  /** Rows the host answered. */
  put(seq: number, version: number, from: number, items: readonly (TraceItem | null)[]): void {
    if (!this.cache.put(seq, version, from, items)) return;
    for (const [p, it] of this.cache.entries()) if (it && this.expanded.has(traceKey(it))) this.expandedAt.set(traceKey(it), p);
    this.relayout();
    this.schedule();
  }

  /** The position at the top of the view (to come back to it); undefined while the list is empty or hidden. */
  topPosition(): number | undefined {
    return this.cache.total && this.root.clientHeight > 0 ? this.layout.indexAt(this.root.scrollTop) : undefined;
  }

  /** Scrolls to this position once the result is long enough. */
  restoreTop(pos: number | undefined): void {
    this.anchor = pos;
  }

  expandedKeys(): string[] {
    return [...this.expanded];
  }

  setExpanded(keys: readonly string[]): void {
    this.expanded.clear();
    for (const k of keys) this.expanded.add(k);
    this.clearRows();
    this.relayout();
    this.schedule();
  }

  /** Scrolls so the row at display position `pos` is at the top. */
  scrollToPosition(pos: number): void {
    this.root.scrollTop = this.layout.offsetOf(Math.max(0, Math.min(pos, this.cache.total - 1)));
    this.render();
  }

  /** The trace shown at a display position (0 = top), if its page is here. */
  itemAt(pos: number): TraceItem | undefined {
    return this.cache.get(pos) ?? undefined;
  }

  /** Recomputes the geometry (count, expanded rows' extra heights) and the sizer's height. */
  private relayout(): void {
    this.layout.setCount(this.cache.total);
    const pairs: [number, number][] = [];
    for (const [key, pos] of this.expandedAt) {
      const e = this.extra.get(key);
      if (e) pairs.push([pos, e]);
    }
    this.layout.setExtras(pairs);
    this.sizer.style.height = `${this.layout.total()}px`;
  }

  schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Puts exactly the rows in view (± overscan) in the DOM, asks for the pages it lacks, measures new expanded rows. */
  render(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.stats.renders++;
    // A restored view's top: only a list that is shown can scroll (the timeline may hide it meanwhile).
    if (this.anchor !== undefined && this.anchor < this.cache.total && this.root.clientHeight > 0) {
      this.root.scrollTop = this.layout.offsetOf(this.anchor);
      this.anchor = undefined;
    }
    this.place();
    let changed = false;
    for (const row of this.rows.values()) if (row.classList.contains('expanded') && !this.extra.has(row.dataset.key!)) changed = this.measure(row) || changed;
    if (changed) {
      this.relayout();
      this.place();
    }
    this.host.changed();
  }

  /** Rows in view now: [first, last] positions (last < first when none). */
  private viewRange(): [number, number] {
    const n = this.cache.total;
    if (!n) return [0, -1];
    const top = this.root.scrollTop;
    return [Math.max(0, this.layout.indexAt(top) - OVERSCAN), Math.min(n - 1, this.layout.indexAt(top + this.root.clientHeight) + OVERSCAN)];
  }

  private place(): void {
    const [first, last] = this.viewRange();
    const want = new Set<string>();
    for (let pos = first; pos <= last; pos++) {
      const item = this.cache.get(pos);
      const id = item ? traceKey(item) : `~${pos}`;
      if (want.has(id)) continue; // the same trace twice (a duplicate line): shown once
      want.add(id);
      let row = this.rows.get(id);
      if (!row) {
        row = item ? this.buildRow(item) : el('div', { class: 'row pending', attrs: { role: 'listitem', 'aria-busy': 'true' } }, el('div', { class: 'summary placeholder', text: '…' }));
        this.rows.set(id, row);
        this.sizer.append(row);
      }
      row.style.transform = `translateY(${this.layout.offsetOf(pos)}px)`;
      row.dataset.pos = String(pos);
    }
    for (const [id, row] of this.rows) {
      if (want.has(id)) continue;
      this.resize.unobserve(row);
      row.remove();
      this.rows.delete(id);
    }
    for (const [from, to] of this.cache.want(first - PAGE_ROWS, last + PAGE_ROWS)) {
      this.stats.requests++;
      this.host.request(this.cache.seq, this.cache.version, from, to);
    }
  }

  private buildRow(item: TraceItem): HTMLElement {
    this.stats.rowsBuilt++;
    const key = traceKey(item);
    const open = this.expanded.has(key);
    const row = el('div', { class: open ? 'row expanded' : 'row', attrs: { role: 'listitem', 'data-key': key } },
      summaryRow(item, this.host.runLabel(item.run), open, this.search));
    if (open) {
      row.append(detailView(item, this.search));
      this.resize.observe(row);
    }
    return row;
  }

  /** Records an expanded row's extra height; true when it changed. */
  private measure(row: HTMLElement): boolean {
    const key = row.dataset.key!;
    if (!this.expanded.has(key) || !row.isConnected) return false;
    const extra = Math.max(0, row.offsetHeight - ROW_HEIGHT);
    if (this.extra.get(key) === extra) return false;
    this.extra.set(key, extra);
    return true;
  }

  private onClick(e: Event): void {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>('.row');
    if (!row?.dataset.key) return;
    const item = this.cache.get(Number(row.dataset.pos));
    if (target.closest('[data-action="timeline"]')) {
      if (item) this.host.timeline(String(item.prompt_id));
      return;
    }
    if (!target.closest('.summary')) return;
    const key = row.dataset.key;
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
      this.extra.delete(key);
      this.expandedAt.delete(key);
    } else {
      this.expanded.add(key);
      this.expandedAt.set(key, Number(row.dataset.pos));
    }
    this.resize.unobserve(row);
    row.remove();
    this.rows.delete(key);
    this.relayout();
    this.render();
  }
}
