// Seed grouping on the dashboard: runs whose run.json names an experiment arm and seed are drawn as one entry
// per arm (mean line, band, one legend item), everything else as itself. Arms' aggregates are computed from
// the metric store's series (seedStats.ts) and cached until a seed's series, the band kind or the smoothing
// changes. The mean comes as a store-shaped Series so the line plugin, hit-testing and tooltips draw it as
// they draw any run. DOM-free.
import type { RunInfo } from '../../protocol/messages';
import type { RunGroup } from '../../protocol/runRecords';
import type { MetricStore, Series } from './metricStore';
import { newEma } from './smoothing';
import { alignSeeds, statsOf, unionSteps, type BandKind, type SeedSeries, type SeedStats } from './seedStats';

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

/** The run's group when it is well formed (run.json is data from disk: anything else is "not grouped"). */
export function groupOf(run: RunInfo | undefined): RunGroup | undefined {
  const g = run?.group as Partial<RunGroup> | undefined;
  if (!g || typeof g !== 'object') return undefined;
  if (typeof g.experiment !== 'string' || !g.experiment || g.experiment.length > 256) return undefined;
  if (typeof g.arm !== 'string' || !g.arm || g.arm.length > 256) return undefined;
  if (typeof g.seed !== 'number' || !Number.isFinite(g.seed)) return undefined;
  return g as RunGroup;
}

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
  band: SeedStats;
  seeds: number;
  /** Bumped on every recomputation (draw caches key on it). */
  version: number;
}

interface Cached {
  agg: ArmAggregate;
  deps: (Series | undefined)[];
  versions: number[];
  band: BandKind;
  weight: number;
}

const seedSeries = (s: Series, smooth: boolean): SeedSeries => ({ x: s.x, y: smooth ? s.smooth : s.y, n: s.n });

export class ArmAggregates {
  /** Per arm key, per metric. */
  private readonly cache = new Map<string, Map<string, Cached>>();
  /** Aggregations computed (tests check the cache holds while nothing changes). */
  computed = 0;

  /** The aggregate of `metric` over the arm's seeds, or undefined when no seed logged it. */
  get(arm: Arm, metric: string, store: MetricStore, band: BandKind): ArmAggregate | undefined {
    const deps = arm.runs.map((r) => store.runs.get(r)?.metrics.get(metric));
    const present = deps.filter((s): s is Series => !!s && s.n > 0);
    const key = armKey(arm.experiment, arm.arm);
    let perMetric = this.cache.get(key);
    if (!perMetric) this.cache.set(key, (perMetric = new Map()));
    if (!present.length) {
      perMetric.delete(metric);
      return undefined;
    }
    const weight = store.smoothing;
    const have = perMetric.get(metric);
    if (have && have.band === band && have.weight === weight && have.deps.length === deps.length
      && have.deps.every((d, i) => d === deps[i] && (d?.version ?? -1) === have.versions[i])) return have.agg;
    this.computed++;
    const xs = unionSteps(present.map((s) => seedSeries(s, false)));
    const m = xs.length;
    const raw = statsOf(alignSeeds(present.map((s) => seedSeries(s, false)), xs, m), present.length, xs, m, band);
    const bold = weight > 0 ? statsOf(alignSeeds(present.map((s) => seedSeries(s, true)), xs, m), present.length, xs, m, band) : raw;
    const prev = have?.agg;
    const series: Series = prev?.series ?? { metric, n: 0, x: new Float64Array(0), y: new Float64Array(0), row: new Int32Array(0), smooth: new Float64Array(0), ema: newEma(), version: 0, edits: 0 };
    series.n = m;
    series.x = raw.x;
    series.y = raw.mean;
    series.smooth = weight > 0 ? bold.mean : new Float64Array(0);
    series.version++;
    series.edits++; // values anywhere may have changed: downsampling caches rescan
    const agg: ArmAggregate = { series, band: bold, seeds: arm.runs.length, version: (prev?.version ?? 0) + 1 };
    perMetric.set(metric, { agg, deps, versions: deps.map((d) => d?.version ?? -1), band, weight });
    return agg;
  }

  /** Drops the cache entries of arms no longer shown. */
  retain(armKeys: Iterable<string>): void {
    const keep = new Set(armKeys);
    for (const k of [...this.cache.keys()]) if (!keep.has(k)) this.cache.delete(k);
  }
}
