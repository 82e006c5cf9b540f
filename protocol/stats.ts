// Small numeric helpers every side uses (trainer metrics, run summaries, diff summaries, panels).

/** Arithmetic mean; NaN for an empty list (a metric with no values is "not measured", not 0). */
export function mean(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
