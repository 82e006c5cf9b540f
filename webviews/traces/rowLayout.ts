// Geometry of the virtualised trace list: n rows of a fixed collapsed height, a few of them expanded by a
// measured extra height. offsetOf/indexAt are O(log k) for k expanded rows, so 100 k rows cost nothing to
// lay out and only the rows in view ever exist in the DOM. DOM-free (unit-tested).

export class RowLayout {
  private count = 0;
  /** Expanded rows: sorted row indices, their extra heights, and prefix sums of extras before each. */
  private idx: number[] = [];
  private extra: number[] = [];
  private prefix: number[] = [0];

  constructor(readonly rowHeight: number) {}

  get n(): number {
    return this.count;
  }

  setCount(n: number): void {
    this.count = n;
    const keep = this.idx.findIndex((i) => i >= n);
    if (keep >= 0) this.setExtras(this.idx.slice(0, keep).map((i, k) => [i, this.extra[k]]));
  }

  /** Replaces all expanded rows: [row index, extra px] pairs (any order). */
  setExtras(pairs: readonly (readonly [number, number])[]): void {
    const sorted = pairs.filter(([i, e]) => i >= 0 && i < this.count && e > 0).sort((a, b) => a[0] - b[0]);
    this.idx = sorted.map((p) => p[0]);
    this.extra = sorted.map((p) => p[1]);
    this.prefix = [0];
    for (const e of this.extra) this.prefix.push(this.prefix[this.prefix.length - 1] + e);
  }

  /** Extra height of row i (0 when collapsed). */
  extraOf(i: number): number {
    const k = this.firstAtOrAfter(i);
    return this.idx[k] === i ? this.extra[k] : 0;
  }

  heightOf(i: number): number {
    return this.rowHeight + this.extraOf(i);
  }

  /** Number of expanded rows with index < i. */
  private firstAtOrAfter(i: number): number {
    let lo = 0;
    let hi = this.idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idx[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Top of row i in px (i = n gives the total height). */
  offsetOf(i: number): number {
    return i * this.rowHeight + this.prefix[this.firstAtOrAfter(i)];
  }

  total(): number {
    return this.offsetOf(this.count);
  }

  /** The row covering y (clamped to [0, n-1]); -1 when there are no rows. */
  indexAt(y: number): number {
    if (this.count === 0) return -1;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsetOf(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
