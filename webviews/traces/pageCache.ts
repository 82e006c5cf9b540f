// The rows of the host's current result that the page holds, by position: at most a few pages around the
// view, asked for a page at a time. Keeps positions right as the result changes under it — rows entering at
// the top (a shift) move every held row down, a reorder drops them all — and places rows that were answered
// for an older version where they are now. DOM-free (unit-tested).
import type { TraceItem } from '../../protocol/messages';
import type { TracesResult } from '../../protocol/traces';

/** Rows per request, and the most rows held. */
export const PAGE_ROWS = 50;
export const MAX_HELD = 1000;

export class PageCache {
  seq = -1;
  version = 0;
  total = 0;
  done = false;
  indexed = 0;
  notices: string[] = [];
  private rows = new Map<number, TraceItem | null>();
  /** Pages asked for since the last shift or reorder (by first position), with the end asked for. */
  private asked = new Map<number, number>();
  /** Cumulative shift at each version seen since the last reorder. */
  private cum = new Map<number, number>();
  private cumNow = 0;

  /** A new query: nothing held. */
  start(seq: number): void {
    this.seq = seq;
    this.version = 0;
    this.total = 0;
    this.done = false;
    this.rows.clear();
    this.asked.clear();
    this.cum = new Map([[0, 0]]);
    this.cumNow = 0;
  }

  /** Applies a result message of the current query; returns the rows that entered at the top (0 if none). */
  result(r: TracesResult): { shift: number; reorder: boolean } | undefined {
    if (r.seq !== this.seq) return undefined;
    const shift = r.reorder ? 0 : r.shift ?? 0;
    if (r.reorder) {
      this.rows.clear();
      this.asked.clear();
      this.cum = new Map();
      this.cumNow = 0;
    } else if (shift) {
      this.cumNow += shift;
      const moved = new Map<number, TraceItem | null>();
      for (const [p, row] of this.rows) moved.set(p + shift, row);
      this.rows = moved;
      // Pages asked before the shift are answered where they are now; asking again is cheaper than tracking.
      this.asked.clear();
    }
    this.cum.set(r.version, this.cumNow);
    this.version = r.version;
    this.total = r.total;
    this.done = r.done;
    this.indexed = r.indexed;
    this.notices = r.notices ?? [];
    for (const p of this.rows.keys()) if (p >= this.total) this.rows.delete(p);
    return { shift, reorder: r.reorder === true };
  }

  /** Stores rows answered for version `version`; false if they cannot be placed (a reorder since). */
  put(seq: number, version: number, from: number, items: readonly (TraceItem | null)[]): boolean {
    if (seq !== this.seq) return false;
    const c = this.cum.get(version);
    if (c === undefined) return false;
    const at = from + this.cumNow - c;
    items.forEach((it, i) => {
      const p = at + i;
      if (p >= 0 && p < this.total) this.rows.set(p, it && typeof it === 'object' ? it : null);
    });
    return true;
  }

  has(pos: number): boolean {
    return this.rows.has(pos);
  }

  get(pos: number): TraceItem | null | undefined {
    return this.rows.get(pos);
  }

  /** Positions held (for the list to map expanded keys to positions). */
  entries(): IterableIterator<[number, TraceItem | null]> {
    return this.rows.entries();
  }

  /**
   * The pages covering [first, last] that lack rows and were not asked for as far (a page asked while the
   * result was shorter is asked again once it grew): [from, to) each.
   * Marks them asked, and forgets rows far from the view beyond MAX_HELD.
   */
  want(first: number, last: number): [number, number][] {
    const out: [number, number][] = [];
    if (this.total === 0 || last < first) return out;
    first = Math.max(0, first);
    last = Math.min(this.total - 1, last);
    for (let p = Math.floor(first / PAGE_ROWS) * PAGE_ROWS; p <= last; p += PAGE_ROWS) {
      const to = Math.min(this.total, p + PAGE_ROWS);
      let missing = false;
      for (let q = p; q < to && !missing; q++) missing = !this.rows.has(q);
      if (!missing || (this.asked.get(p) ?? -1) >= to) continue;
      this.asked.set(p, to);
      out.push([p, to]);
    }
    if (this.rows.size > MAX_HELD) {
      const mid = (first + last) / 2;
      const far = [...this.rows.keys()].sort((a, b) => Math.abs(b - mid) - Math.abs(a - mid));
      for (const p of far.slice(0, this.rows.size - MAX_HELD)) {
        this.rows.delete(p);
        this.asked.delete(Math.floor(p / PAGE_ROWS) * PAGE_ROWS);
      }
    }
    return out;
  }

  /** Rows held. */
  get size(): number {
    return this.rows.size;
  }
}
