// The virtualised trace list: all items in memory, only the rows in view (plus a small overscan) in the DOM,
// positioned by a RowLayout. Rows are one line until expanded; an expanded row's measured height enters the
// layout. New items are filtered as they arrive (no refilter of 100 k), shown newest-first or oldest-first,
// and either followed (the view stays on the newest) or held still (the scroll position is kept).
import type { TraceItem } from '../../protocol/messages';
import { el } from '../common/dom';
import { lowerBound } from '../../protocol/search';
import { RowLayout } from './rowLayout';
import { matchesFilter, type TraceFilter } from './filter';
import { summaryRow, detailView } from './traceView';

export const ROW_HEIGHT = 28;
const OVERSCAN = 6;

export const traceKey = (t: TraceItem): string => `${t.run}\n${t.stage}\n${t.step}\n${t.prompt_id}`;

export interface ListStats {
  renders: number;
  rowsBuilt: number;
}

export class TraceList {
  readonly root: HTMLElement;
  readonly stats: ListStats = { renders: 0, rowsBuilt: 0 };
  private items: TraceItem[] = [];
  /** Item index by key, so expanded rows keep their height in the layout while out of view. */
  private readonly keyIndex = new Map<string, number>();
  /** Indices into items that pass the filter, ascending. */
  private shown: number[] = [];
  private filter: TraceFilter = {};
  private readonly layout = new RowLayout(ROW_HEIGHT);
  private readonly sizer: HTMLElement;
  /** Rows in the DOM by item index. */
  private readonly rows = new Map<number, HTMLElement>();
  private readonly expanded = new Set<string>();
  /** Measured extra height of expanded rows, by key. */
  private readonly extra = new Map<string, number>();
  private frame = 0;
  private readonly resize: ResizeObserver;

  newestFirst = true;
  follow = true;
  /** A restored view's top trace: scrolled back to once it has arrived again. */
  private anchor: string | undefined;

  constructor(private readonly runLabel: (run: string) => string | undefined, private readonly onChange: () => void) {
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

  get total(): number {
    return this.items.length;
  }

  get count(): number {
    return this.shown.length;
  }

  /** Appends streamed items (or replaces all on reset). Only new items are tested against the filter. */
  add(items: readonly TraceItem[], reset = false): void {
    const atStart = this.root.scrollTop <= 1;
    const atEnd = this.root.scrollTop + this.root.clientHeight >= this.root.scrollHeight - 2;
    if (reset) {
      this.items = [];
      this.shown = [];
      this.keyIndex.clear();
      for (const r of this.rows.values()) r.remove();
      this.rows.clear();
    }
    let added = 0;
    for (const it of items) {
      if (!it || typeof it !== 'object') continue;
      this.items.push(it);
      this.keyIndex.set(traceKey(it), this.items.length - 1);
      if (matchesFilter(it, this.filter)) {
        this.shown.push(this.items.length - 1);
        added++;
      }
    }
    this.relayout();
    const anchored = this.anchor !== undefined && this.keyIndex.has(this.anchor);
    if (anchored) {
      const pos = this.positionOf(this.keyIndex.get(this.anchor!)!);
      this.anchor = undefined;
      if (pos >= 0) this.root.scrollTop = this.layout.offsetOf(pos);
    } else if (this.newestFirst) {
      // New rows enter at the top: follow shows them; otherwise keep the rows the user is reading still.
      if (this.follow && atStart) this.root.scrollTop = 0;
      else if (added && !reset) this.root.scrollTop += this.layout.offsetOf(added);
    } else if (this.follow && atEnd) {
      this.root.scrollTop = this.root.scrollHeight;
    }
    this.schedule();
  }

  setFilter(f: TraceFilter): void {
    this.filter = f;
    this.shown = [];
    for (let i = 0; i < this.items.length; i++) if (matchesFilter(this.items[i], f)) this.shown.push(i);
    for (const r of this.rows.values()) r.remove();
    this.rows.clear();
    this.relayout();
    this.root.scrollTop = this.newestFirst || !this.follow ? 0 : this.root.scrollHeight;
    this.schedule();
  }

  /** Newest first (the newest at the top) or oldest first; when following, the view goes to the newest end. */
  setOrder(newestFirst: boolean): void {
    this.newestFirst = newestFirst;
    this.relayout();
    this.root.scrollTop = !newestFirst && this.follow ? this.root.scrollHeight : 0;
    this.schedule();
  }

  /** Key of the trace at the top of the view (to come back to it). */
  topKey(): string | undefined {
    if (!this.shown.length) return undefined;
    const item = this.items[this.indexAt(this.layout.indexAt(this.root.scrollTop))];
    return item ? traceKey(item) : undefined;
  }

  /** Scrolls to this trace when it arrives (or now, if it is here). */
  restoreTop(key: string | undefined): void {
    this.anchor = key;
    if (key !== undefined && this.keyIndex.has(key)) this.add([]);
  }

  expandedKeys(): string[] {
    return [...this.expanded];
  }

  setExpanded(keys: readonly string[]): void {
    this.expanded.clear();
    for (const k of keys) this.expanded.add(k);
    for (const r of this.rows.values()) r.remove();
    this.rows.clear();
    this.relayout();
    this.schedule();
  }

  /** Scrolls so the item at display position `pos` is at the top. */
  scrollToPosition(pos: number): void {
    this.root.scrollTop = this.layout.offsetOf(Math.max(0, Math.min(pos, this.shown.length - 1)));
    this.render();
  }

  /** The item shown at a display position (0 = top). */
  itemAt(pos: number): TraceItem | undefined {
    return this.items[this.indexAt(pos)];
  }

  private indexAt(pos: number): number {
    return this.newestFirst ? this.shown[this.shown.length - 1 - pos] : this.shown[pos];
  }

  private positionOf(index: number): number {
    const k = lowerBound(this.shown, this.shown.length, index);
    if (this.shown[k] !== index) return -1;
    return this.newestFirst ? this.shown.length - 1 - k : k;
  }

  /** Recomputes the geometry (count, expanded rows' extra heights) and the sizer's height. */
  private relayout(): void {
    this.layout.setCount(this.shown.length);
    const pairs: [number, number][] = [];
    for (const key of this.expanded) {
      const i = this.keyIndex.get(key);
      const e = this.extra.get(key);
      if (i === undefined || !e) continue;
      const pos = this.positionOf(i);
      if (pos >= 0) pairs.push([pos, e]);
    }
    this.layout.setExtras(pairs);
    this.sizer.style.height = `${this.layout.total()}px`;
  }

  schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Puts exactly the rows in view (± overscan) in the DOM; expanded rows new to it are measured and placed again. */
  render(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.stats.renders++;
    this.place();
    let changed = false;
    for (const row of this.rows.values()) if (row.classList.contains('expanded') && !this.extra.has(row.dataset.key!)) changed = this.measure(row) || changed;
    if (changed) {
      this.relayout();
      this.place();
    }
    this.onChange();
  }

  private place(): void {
    const n = this.shown.length;
    const top = this.root.scrollTop;
    const first = n ? Math.max(0, this.layout.indexAt(top) - OVERSCAN) : 0;
    const last = n ? Math.min(n - 1, this.layout.indexAt(top + this.root.clientHeight) + OVERSCAN) : -1;
    const want = new Set<number>();
    for (let pos = first; pos <= last; pos++) {
      const i = this.indexAt(pos);
      want.add(i);
      let row = this.rows.get(i);
      if (!row) {
        row = this.buildRow(i);
        this.rows.set(i, row);
        this.sizer.append(row);
      }
      row.style.transform = `translateY(${this.layout.offsetOf(pos)}px)`;
      row.dataset.pos = String(pos);
    }
    for (const [i, row] of this.rows) {
      if (want.has(i)) continue;
      this.resize.unobserve(row);
      row.remove();
      this.rows.delete(i);
    }
  }

  private buildRow(i: number): HTMLElement {
    this.stats.rowsBuilt++;
    const item = this.items[i];
    const key = traceKey(item);
    const open = this.expanded.has(key);
    const row = el('div', { class: open ? 'row expanded' : 'row', attrs: { role: 'listitem', 'data-key': key, 'data-index': String(i) } },
      summaryRow(item, this.runLabel(item.run), open));
    if (open) {
      row.append(detailView(item));
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
    const summary = (e.target as HTMLElement).closest('.summary');
    const row = summary?.parentElement;
    if (!row || !row.dataset.key) return;
    const key = row.dataset.key;
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
      this.extra.delete(key);
    } else this.expanded.add(key);
    const i = Number(row.dataset.index);
    this.resize.unobserve(row);
    row.remove();
    this.rows.delete(i);
    this.relayout();
    this.render();
  }
}
