// Seed grouping on the dashboard: runs whose run.json names an experiment arm and seed are drawn as one entry
// per arm (mean line, band, one legend item), everything else as itself. Arms' aggregates are computed from
// the metric store's series (seedBands.ts) and cached until a seed's series, the band kind or the smoothing
// changes; while seeds only stream new steps, only the steps past the earliest old end are recomputed. The mean comes as a store-shaped Series so the line plugin, hit-testing and tooltips draw it as
// they draw any run. DOM-free.
import type { RunInfo } from '../../protocol/messages';
import { runGroupOf, type RunGroup } from '../../protocol/runRecords';
import type { MetricStore, Series } from './metricStore';
import { newEma } from './smoothing';
import { upperBound } from '../../protocol/search';
import { emptyBand, updateBand, type BandKind, type SeedSeries, type SeedBand } from './seedBands';

/** How the dashboard draws seed groups: a band kind, or every run by itself. */
export type SeedMode = BandKind | 'off';
export const SEED_MODES: readonly SeedMode[] = ['std', 'minmax', 'off'];

export interface Arm {
  experiment: string;
  arm: string;
  /** The seeds' run keys, by seed. */
  runs: string[];
  seeds: number[];
}

/** One legend entry: a run, or an arm of seeds. `info` carries the stages whose boundaries are drawn. */
export interface DisplayEntry {
  key: string;
  label: string;
  runs: string[];
  info?: RunInfo;
  arm?: Arm;
}

const ARM_PREFIX = 'seeds:';
/** An arm's key: never a run key (those are absolute paths). */
export const armKey = (experiment: string, arm: string) => `${ARM_PREFIX}${JSON.stringify([experiment, arm])}`;
export const isArmKey = (key: string) => key.startsWith(ARM_PREFIX);

/** The run's group when run.json's is well formed (anything else is "not grouped"). */
export const groupOf = (run: RunInfo | undefined): RunGroup | undefined => runGroupOf(run?.group);

/**
 * The legend entries for these runs (in the order runs first appear): with grouping on, the runs of one arm
 * become one entry labelled by the arm (and the experiment, when several are shown) and its seed count.
 * `others` are keys with data but no run info yet: shown as themselves.
 */
export function displayEntries(runs: readonly RunInfo[], others: readonly string[], mode: SeedMode, runLabel: (key: string) => string): DisplayEntry[] {
  const entries: DisplayEntry[] = [];
  const arms = new Map<string, DisplayEntry>();
  const experiments = new Set(runs.map((r) => groupOf(r)?.experiment).filter(Boolean));
  for (const run of runs) {
    const g = mode === 'off' ? undefined : groupOf(run);
    if (!g) {
      entries.push({ key: run.key, label: runLabel(run.key), runs: [run.key], info: run });
      continue;
    }
    const key = armKey(g.experiment, g.arm);
    let e = arms.get(key);
    if (!e) {
      e = { key, label: '', runs: [], arm: { experiment: g.experiment, arm: g.arm, runs: [], seeds: [] } };
      arms.set(key, e);
      entries.push(e);
    }
    e.arm!.runs.push(run.key);
    e.arm!.seeds.push(g.seed);
    // The boundaries drawn for an arm: those of its seed with the most stages (seeds of one arm share them).
    if (!e.info || run.stages.length > e.info.stages.length) e.info = { ...run, key, label: g.arm };
  }
  for (const e of arms.values()) {
    const arm = e.arm!;
    const order = arm.seeds.map((s, i) => i).sort((a, b) => arm.seeds[a] - arm.seeds[b]);
    arm.runs = order.map((i) => arm.runs[i]);
    arm.seeds = order.map((i) => arm.seeds[i]);
    e.runs = arm.runs;
    const name = experiments.size > 1 ? `${arm.experiment}/${arm.arm}` : arm.arm;
    e.label = `${name} (${arm.runs.length} seed${arm.runs.length === 1 ? '' : 's'})`;
    e.info!.label = e.label;
  }
  for (const k of others) if (!runs.some((r) => r.key === k)) entries.push({ key: k, label: runLabel(k), runs: [k] });
  return entries;
}

/** An arm's aggregate of one metric: the mean as a Series (raw mean in y, mean of smoothed seeds in smooth) and the band. */
export interface ArmAggregate {
  series: Series;
  /** Band (and per-step seed counts) over the values drawn bold: smoothed when smoothing is on. */
  band: SeedBand;
  seeds: number;
  /** Bumped on every recomputation (draw caches key on it). */
  version: number;
  /** Bumped when steps other than appended ones changed (like a Series' edits): band outlines rescan. */
  edits: number;
}

/** What an aggregate was computed from: each seed's series, its version, edits and length then. */
interface Cached {
  agg: ArmAggregate;
  raw: SeedBand;
  deps: (Series | undefined)[];
  versions: number[];
  edits: number[];
  ns: number[];
  band: BandKind;
  weight: number;
}

const seedSeries = (s: Series, smooth: boolean): SeedSeries => ({ x: s.x, y: smooth ? s.smooth : s.y, n: s.n });

/**
 * Where the last computation stays valid: every step at or before the returned x (the earliest old end of a
 * seed that grew), when the same seeds only appended; -Infinity when anything else changed (recompute all).
 */
function validUpTo(have: Cached, deps: (Series | undefined)[], band: BandKind, weight: number): number {
  if (have.band !== band || have.weight !== weight || have.deps.length !== deps.length) return -Infinity;
  let upTo = Infinity;
  for (let i = 0; i < deps.length; i++) {
    const d = deps[i];
    if (d !== have.deps[i]) return -Infinity;
    if (!d || d.version === have.versions[i]) continue;
    if (d.edits !== have.edits[i] || d.n < have.ns[i] || have.ns[i] === 0) return -Infinity;
    upTo = Math.min(upTo, d.x[have.ns[i] - 1]);
  }
  return upTo;
}

export class ArmAggregates {
  /** Per arm key, per metric. */
  private readonly cache = new Map<string, Map<string, Cached>>();
  /** Aggregations computed, and of those the ones redone from the start (tests check the cache and the incremental path). */
  computed = 0;
  full = 0;

  /** The aggregate of `metric` over the arm's seeds, or undefined when no seed logged it. */
  get(arm: Arm, metric: string, store: MetricStore, band: BandKind): ArmAggregate | undefined {
    const deps = arm.runs.map((r) => store.runs.get(r)?.metrics.get(metric));
    const key = armKey(arm.experiment, arm.arm);
    let perMetric = this.cache.get(key);
    if (!perMetric) this.cache.set(key, (perMetric = new Map()));
    if (!deps.some((s) => s && s.n > 0)) {
      perMetric.delete(metric);
      return undefined;
    }
    const weight = store.smoothing;
    const have = perMetric.get(metric);
    const upTo = have ? validUpTo(have, deps, band, weight) : -Infinity;
    if (upTo === Infinity) return have!.agg;
    this.computed++;
    if (upTo === -Infinity) this.full++;
    const present = deps.filter((s): s is Series => !!s && s.n > 0);
    const raw = have && upTo > -Infinity ? have.raw : emptyBand();
    updateBand(present.map((s) => seedSeries(s, false)), band, raw, upTo);
    const bold = weight > 0 ? (have && upTo > -Infinity && have.agg.band !== have.raw ? have.agg.band : emptyBand()) : raw;
    if (weight > 0) updateBand(present.map((s) => seedSeries(s, true)), band, bold, upTo);
    const prev = have?.agg;
    const series: Series = prev?.series ?? { metric, n: 0, x: new Float64Array(0), y: new Float64Array(0), row: new Int32Array(0), smooth: new Float64Array(0), ema: newEma(), version: 0, edits: 0 };
    // Steps before the previous end changed (or everything did): downsampling and outlines rescan.
    const edited = upTo === -Infinity || upperBound(raw.x, raw.n, upTo) < series.n;
    series.n = raw.n;
    series.x = raw.x;
    series.y = raw.mean;
    series.smooth = weight > 0 ? bold.mean : new Float64Array(0);
    series.version++;
    if (edited) series.edits++;
    const agg: ArmAggregate = { series, band: bold, seeds: arm.runs.length, version: (prev?.version ?? 0) + 1, edits: (prev?.edits ?? 0) + (edited ? 1 : 0) };
    perMetric.set(metric, {
      agg, raw, deps, versions: deps.map((d) => d?.version ?? -1), edits: deps.map((d) => d?.edits ?? -1), ns: deps.map((d) => d?.n ?? 0), band, weight,
    });
    return agg;
  }

  /** Drops the cache entries of arms no longer shown. */
  retain(armKeys: Iterable<string>): void {
    const keep = new Set(armKeys);
    for (const k of [...this.cache.keys()]) if (!keep.has(k)) this.cache.delete(k);
  }
}
