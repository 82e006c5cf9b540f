// Binary searches over sorted numbers (arrays or typed arrays with a used length `n`): the host's step
// de-duplication and the page's downsampling, hit-testing and virtual list all search with these.

export interface NumArray { readonly [i: number]: number }

/** First index i in [0, n) with a[i] >= v (n when none). */
export function lowerBound(a: NumArray, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [0, n) with a[i] > v (n when none). */
export function upperBound(a: NumArray, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the element nearest to v (ties go left), or -1 when n is 0. */
export function nearestIndex(a: NumArray, n: number, v: number): number {
  if (n === 0) return -1;
  const i = lowerBound(a, n, v);
  if (i === 0) return 0;
  if (i === n) return n - 1;
  return v - a[i - 1] <= a[i] - v ? i - 1 : i;
}
