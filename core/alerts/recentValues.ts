// The last few finite values of one metric in one stage, kept in a ring so a rule reads window means in
// O(window) without holding the stage's whole history.

export class RecentValues {
  private readonly buf: Float64Array;
  private next = 0;
  /** Values pushed since the stage started (not only those still held). */
  count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }

  push(v: number): void {
    this.buf[this.next] = v;
    this.next = (this.next + 1) % this.buf.length;
    this.count++;
  }

  /** The value `back` places before the newest (0 = the newest). */
  at(back: number): number {
    return this.buf[(this.next - 1 - back + this.buf.length * 2) % this.buf.length];
  }

  /** Mean of `length` values ending `skip` places before the newest; NaN when fewer were pushed. */
  mean(length: number, skip = 0): number {
    if (length <= 0 || skip + length > Math.min(this.count, this.buf.length)) return NaN;
    let sum = 0;
    for (let i = skip; i < skip + length; i++) sum += this.at(i);
    return sum / length;
  }

  /** Whether every one of the newest `length` values passes `test` (false when fewer were pushed). */
  all(length: number, test: (v: number) => boolean): boolean {
    if (length > Math.min(this.count, this.buf.length)) return false;
    for (let i = 0; i < length; i++) if (!test(this.at(i))) return false;
    return true;
  }
}
