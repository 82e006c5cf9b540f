// The dashboard controller: applies host deltas to the metric store, keeps one chart card per metric family
// (plus one per metric outside the families), and redraws only the cards a delta touched, once per
// animation frame, and only while they are on screen. Runs of one experiment arm are drawn as one entry (its
// seeds' mean and band, seedGroups.ts). Owns the saved state (layout, smoothing, seed bands, shared zoom,
// log scales, hidden series), shows the config differences the host sends, and reports each drawn frame back
// to the host (for freshness measurements).
import { METRIC_FAMILIES } from '../../protocol/metrics';
import type { MetricColumns, RunInfo } from '../../protocol/messages';
import type { Channel } from '../common/messaging';
import { el, formatValue } from '../common/dom';
import { readTheme, type Theme } from '../common/theme';
import { lowerBound } from '../../protocol/search';
import { MetricStore, type Series } from './metricStore';
import { ChartCard, type CardHost } from './chartCard';
import type { SeriesDef } from './seriesPlugin';
import { buildToolbar, type Toolbar } from './toolbar';
import { attachMarkers, markersFor, showAlertBadge, type Marker } from './alertMarkers';
import { runsWithoutGpu, showSystemNote } from './systemNote';
import type { AlertEvent } from '../../protocol/alerts';
import { parseDashboardState, seriesKey, type DashboardState, type Layout } from './state';
import { ArmAggregates, displayEntries, groupOf, isArmKey, type DisplayEntry, type SeedMode } from './seedGroups';
import { attachBands, bandExtent, type Band } from './bandPlugin';
import { buildConfigTable, type ConfigParams, type ConfigTable } from './configTable';

/** The family the paper's figure shows. */
export const PAPER_CARD = 'length';
const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3]];

export interface DashboardStats {
  cardsBuilt: number;
  flushes: number;
  /** Chart redraws per card id. */
  updates: Record<string, number>;
  /** Of those, full Chart.js updates (new axis limits, series, theme…); the rest only drew. */
  layouts: Record<string, number>;
  lastFlushMs: number;
  /** Host points applied. */
  pointsIn: number;
}

/** Whether an element is in the viewport now (forces layout: only for cards the observer has not reported). */
function onScreen(e: HTMLElement): boolean {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
}

/** One formatter (toLocaleString builds a new one per call: ~1 ms each, and the status updates per frame). */
const COUNT = new Intl.NumberFormat('en-US');

const safeFileName = (s: string) => s.replace(/[^\w .()-]+/g, '_').slice(0, 100) || 'chart';

export class Dashboard {
  readonly store = new MetricStore();
  readonly stats: DashboardStats = { cardsBuilt: 0, flushes: 0, updates: {}, layouts: {}, lastFlushMs: 0, pointsIn: 0 };
  readonly cards = new Map<string, ChartCard>();
  private readonly cardOfMetric = new Map<string, ChartCard>();
  private runs: RunInfo[] = [];
  /** Legend entries: runs, or experiment arms of several seed runs (recomputed when runs or the seed mode change). */
  private entries: DisplayEntry[] = [];
  readonly arms = new ArmAggregates();
  private readonly config: ConfigTable;
  private lastConfig?: ConfigParams;
  /** Each run's alerts, as the host last sent them. */
  private readonly alerts = new Map<string, AlertEvent[]>();
  private theme: Theme = readTheme();
  private state: DashboardState;
  private readonly hidden: Set<string>;
  private readonly dirty = new Set<ChartCard>();
  private frame = 0;
  /** Points arrived since the last 'dashboard/drawn'. */
  private undrawnPoints = false;
  /** When the first of them arrived (epoch ms). */
  private undrawnSince = 0;
  private readonly toolbar: Toolbar;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly observer: IntersectionObserver;
  private readonly host: CardHost;

  constructor(private readonly root: HTMLElement, private readonly channel: Channel) {
    this.state = parseDashboardState(channel.savedState());
    this.hidden = new Set(this.state.hidden);
    this.store.setSmoothing(this.state.smoothing);
    this.toolbar = buildToolbar({
      setLayout: (l) => this.setLayout(l),
      setSmoothing: (w) => this.setSmoothing(w),
      setSeeds: (mode) => this.setSeeds(mode),
      resetZoom: () => this.setRange(null),
      exportCsv: () => this.exportCsv('all', [...this.allMetrics()]),
      pickRuns: () => channel.post('dashboard/pick-runs', {}),
    });
    this.grid = el('main', { class: 'grid' });
    this.empty = el('div', { class: 'empty-state' },
      el('p', { text: 'No runs to show yet. Open a run from the See2Think runs view, or choose runs to compare.' }));
    this.config = buildConfigTable((a, b) => channel.post('dashboard/config-diff', { a, b }));
    root.append(this.toolbar.root, this.config.root, this.empty, this.grid);
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const card = this.cards.get((e.target as HTMLElement).dataset.card ?? '');
        if (!card) continue;
        card.visible = e.isIntersecting;
        card.observed = true;
        if (card.visible && this.dirty.has(card)) this.schedule();
      }
    });
    this.host = this.cardHost();
    for (const f of METRIC_FAMILIES) this.addCard(f.id, f.title, f.metrics, f.log ?? false);
    this.applyState();
  }

  // ------------------------------------------------------------------ host messages

  setRuns(runs: RunInfo[]): void {
    this.runs = runs.filter((r) => r && typeof r.key === 'string' && Array.isArray(r.stages));
    this.store.retainRuns(this.runs.map((r) => r.key));
    this.syncAll();
    if (this.lastConfig) this.showConfig(this.lastConfig);
  }

  /** The config differences of the shown runs (the host sends them with the runs). */
  showConfig(p: ConfigParams): void {
    this.lastConfig = p;
    this.config.show(p, (run) => this.runLabel(run));
  }

  addColumns(c: MetricColumns): void {
    const run = c?.run;
    if (typeof run !== 'string') return;
    const rows = Array.isArray(c.x) ? c.x.length : 0;
    this.stats.pointsIn += rows;
    if (!this.undrawnPoints) this.undrawnSince = performance.timeOrigin + performance.now();
    this.undrawnPoints = true;
    const touched = this.store.ingest(run, c, c.reset === true);
    const cards = new Set<ChartCard>();
    for (const metric of touched) cards.add(this.cardFor(metric));
    if (!this.runs.some((r) => r.key === run)) return this.syncAll();
    for (const card of cards) this.syncCard(card);
  }

  /** A run's alerts (all of them so far): markers on the cards that chart their metrics. */
  setAlerts(run: unknown, alerts: unknown): void {
    if (typeof run !== 'string' || !Array.isArray(alerts)) return;
    this.alerts.set(run, alerts.filter((a): a is AlertEvent => typeof a?.x === 'number' && typeof a.metric === 'string' && typeof a.message === 'string'));
    for (const card of this.cards.values()) {
      showAlertBadge(card.root, this.markersOf(card));
      card.invalidate();
      this.mark(card);
    }
  }

  /** The host asks for a layout (Compare Runs opens the paper's figure): shown and saved, as a click would. */
  showLayout(layout: unknown): void {
    if (layout !== 'all' && layout !== 'paper') return;
    this.state.layout = layout;
    this.applyLayout();
    this.save();
  }

  showError(message: string): void {
    this.toolbar.showError(message);
  }

  /** State from the host (after a window reload), used when this page had none of its own. */
  adoptState(raw: unknown): void {
    if (raw === undefined || raw === null || this.channel.savedState()) return;
    this.state = parseDashboardState(raw);
    this.hidden.clear();
    for (const k of this.state.hidden) this.hidden.add(k);
    this.store.setSmoothing(this.state.smoothing);
    this.applyState();
    this.syncAll();
  }

  // ------------------------------------------------------------------ user actions

  setLayout(layout: Layout): void {
    this.state.layout = layout;
    this.applyLayout();
    this.save();
    // The figure compares two runs (or arms): with fewer, ask the host to pick more (still one click for the user).
    if (layout === 'paper' && this.entries.length < 2) this.channel.post('dashboard/pick-runs', {});
  }

  setSmoothing(w: number): void {
    this.store.setSmoothing(w);
    this.state.smoothing = this.store.smoothing;
    this.markAll();
    this.save();
  }

  /** How experiment arms are drawn: mean with a ± std or min–max band, or every seed run by itself. */
  setSeeds(mode: SeedMode): void {
    this.state.seeds = mode;
    this.toolbar.showSeeds(mode, this.runs.some((r) => groupOf(r)));
    this.syncAll();
    this.save();
  }

  setRange(range: [number, number] | null): void {
    this.state.xRange = range;
    this.markAll();
    this.save();
  }

  // ------------------------------------------------------------------ drawing

  /** Redraws the dirty visible cards now (normally called once per animation frame). */
  flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const t0 = performance.now();
    const drawn = new Set<string>();
    for (const card of [...this.dirty]) {
      // The intersection observer reports asynchronously: a card that just got data may be on screen already.
      // Asking the layout is for those only (it forces a synchronous layout); the rest trust the observer.
      if (card.root.classList.contains('empty') || !(card.visible || (!card.observed && (card.visible = onScreen(card.root))))) continue;
      this.dirty.delete(card);
      if (card.update()) this.stats.layouts[card.id] = (this.stats.layouts[card.id] ?? 0) + 1;
      this.stats.updates[card.id] = (this.stats.updates[card.id] ?? 0) + 1;
      for (const def of card.series) for (const run of this.entryRuns(def.run)) drawn.add(run);
    }
    this.showStatus();
    this.stats.flushes++;
    this.stats.lastFlushMs = performance.now() - t0;
    // The acknowledgement the host times freshness with: how many steps of each run the drawn charts hold.
    if (drawn.size && this.undrawnPoints) {
      this.undrawnPoints = false;
      const counts = Object.fromEntries([...drawn].map((run) => [run, this.store.runs.get(run)?.n ?? 0]));
      const at = performance.timeOrigin + performance.now();
      this.channel.post('dashboard/drawn', { at, counts, arrived: this.undrawnSince, work: this.stats.lastFlushMs });
    }
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.syncAll();
    for (const card of this.cards.values()) card.setTheme(theme);
    this.markAll();
  }

  // ------------------------------------------------------------------ internals

  private cardHost(): CardHost {
    return {
      theme: () => this.theme,
      model: {
        data: (def: SeriesDef) => this.seriesData(def),
        runs: () => this.entryInfos(),
        runColor: (run: string) => this.runColor(run),
        theme: () => this.theme,
        smoothing: () => this.store.smoothing,
        viewRange: () => this.state.xRange,
        onUserRange: (range: [number, number]) => {
          this.state.xRange = range;
          this.markAll();
          this.save();
        },
        extraY: (chart, xMin, xMax, log) => bandExtent(chart, xMin, xMax, log),
      },
      seriesNote: (def, x) => this.seriesNote(def, x),
      toggleSeries: (key, hide) => {
        if (hide) this.hidden.add(key);
        else this.hidden.delete(key);
        for (const card of this.cards.values()) {
          const i = card.series.findIndex((d) => d.key === key);
          if (i >= 0) {
            card.setSeriesVisible(i, !hide);
            this.mark(card);
          }
        }
        this.save();
      },
      isHidden: (key) => this.hidden.has(key),
      setLog: (id, log) => {
        this.state.log[id] = log;
        this.cards.get(id)?.setLog(log);
        this.mark(this.cards.get(id));
        this.save();
      },
      resetZoom: () => this.setRange(null),
      exportPng: (id, dataUrl) => this.channel.post('export/png', { fileName: `${safeFileName(id)}.png`, dataUrl }),
      exportCsv: (id) => this.exportCsv(id, this.cards.get(id)?.metrics ?? []),
      stageAt: (run, x) => {
        const info = this.entryInfos().find((r) => r.key === run);
        const stages = [...(info?.stages ?? [])].sort((a, b) => a.globalOffset - b.globalOffset);
        return stages.filter((s) => s.globalOffset < x).pop()?.id ?? stages[0]?.id;
      },
      runLabel: (run) => this.runLabel(run),
    };
  }

  private addCard(id: string, title: string, metrics: string[], defaultLog: boolean): ChartCard {
    const card = new ChartCard(id, title, metrics, this.state.log[id] ?? defaultLog, this.host);
    attachBands(card.chart, { bands: () => this.bandsOf(card), log: () => this.state.log[id] ?? defaultLog });
    this.stats.cardsBuilt++;
    card.visible = false;
    if (id === PAPER_CARD) card.root.classList.add('paper-card');
    this.cards.set(id, card);
    for (const m of metrics) this.cardOfMetric.set(m, card);
    card.setSeries([]);
    attachMarkers(card.chart, () => this.markersOf(card));
    this.grid.append(card.root);
    this.observer.observe(card.root);
    return card;
  }

  private markersOf(card: ChartCard): Marker[] {
    return markersFor(card.metrics, this.alerts, this.runKeys(), (run) => this.runColor(run));
  }

  /** The card showing a metric; a metric outside the families gets a card of its own. */
  private cardFor(metric: string): ChartCard {
    return this.cardOfMetric.get(metric) ?? this.addCard(`metric:${metric}`, metric, [metric], false);
  }

  private runKeys(): string[] {
    const keys = this.runs.map((r) => r.key);
    for (const k of this.store.runs.keys()) if (!keys.includes(k)) keys.push(k);
    return keys;
  }

  private runLabel(run: string): string {
    return this.entries.find((e) => e.key === run && e.arm)?.label || this.runs.find((r) => r.key === run)?.label
      || run.split(/[\\/]/).filter(Boolean).pop() || run;
  }

  private runColor(run: string): string {
    const i = Math.max(0, this.entries.findIndex((e) => e.key === run));
    return this.theme.series[i % this.theme.series.length];
  }

  /** Recomputes the legend entries (runs and experiment arms) from the runs and the seed mode. */
  private regroup(): void {
    const others = [...this.store.runs.keys()].filter((k) => !this.runs.some((r) => r.key === k));
    this.entries = displayEntries(this.runs, others, this.state.seeds, (k) => this.runs.find((r) => r.key === k)?.label || k.split(/[\\/]/).filter(Boolean).pop() || k);
    this.arms.retain(this.entries.filter((e) => e.arm).map((e) => e.key));
    this.toolbar.showSeeds(this.state.seeds, this.runs.some((r) => groupOf(r)));
  }

  /** The run keys behind a legend entry: an arm's seed runs, or the run itself. */
  private entryRuns(key: string): string[] {
    return isArmKey(key) ? this.entries.find((e) => e.key === key)?.runs ?? [] : [key];
  }

  /** Stage boundaries per legend entry (an arm draws its seeds' stages under its own key). */
  private entryInfos(): RunInfo[] {
    return this.entries.map((e) => e.info).filter((i): i is RunInfo => !!i);
  }

  private seriesData(def: SeriesDef): Series | undefined {
    return isArmKey(def.run) ? this.aggregateOf(def)?.series : this.store.runs.get(def.run)?.metrics.get(def.metric);
  }

  /** An arm's aggregate of the series' metric (undefined for a run's series). */
  private aggregateOf(def: SeriesDef) {
    const arm = isArmKey(def.run) ? this.entries.find((e) => e.key === def.run)?.arm : undefined;
    return arm && this.arms.get(arm, def.metric, this.store, this.state.seeds === 'minmax' ? 'minmax' : 'std');
  }

  /** The bands of a card's arm series (index = the series' dataset, for legend toggles). */
  private bandsOf(card: ChartCard): Band[] {
    const out: Band[] = [];
    card.series.forEach((def, index) => {
      const agg = this.aggregateOf(def);
      if (agg) out.push({ index, color: def.color, stats: agg.band, version: agg.version, edits: agg.edits });
    });
    return out;
  }

  /** Tooltip text for an arm's series at step x: how many seeds the mean is over and the band there. */
  private seriesNote(def: SeriesDef, x: number): string | undefined {
    const agg = this.aggregateOf(def);
    if (!agg) return undefined;
    const b = agg.band;
    const i = lowerBound(b.x, b.n, x);
    if (i >= b.n || b.x[i] !== x) return undefined;
    const of = `${b.count[i]} of ${agg.seeds} seeds`;
    if (b.count[i] < 2) return `${of}: no band here (fewer than 2 seeds have data)`;
    return `${of} · ${this.state.seeds === 'minmax' ? 'min–max' : '± std'} ${formatValue(b.lo[i])} … ${formatValue(b.hi[i])}`;
  }

  private seriesFor(card: ChartCard): SeriesDef[] {
    const shown = this.entries.filter((e) => e.runs.some((k) => this.store.runs.has(k)));
    const several = shown.length > 1;
    const defs: SeriesDef[] = [];
    shown.forEach((entry, ri) => {
      const run = entry.key;
      card.metrics.forEach((metric, mi) => {
        if (!entry.runs.some((k) => this.store.runs.get(k)?.metrics.get(metric)?.n)) return;
        defs.push({
          key: seriesKey(run, metric), run, metric,
          label: several || entry.arm ? `${entry.label} · ${metric}` : metric,
          color: this.theme.series[(several ? ri : mi) % this.theme.series.length],
          dash: several ? DASHES[mi % DASHES.length] : [],
        });
      });
    });
    return defs;
  }

  private syncCard(card: ChartCard): void {
    const wasEmpty = card.root.classList.contains('empty');
    card.setSeries(this.seriesFor(card));
    if (wasEmpty && card.series.length) {
      // Shown now: observed afresh (the observer reports only changes, and hidden → below the fold is none).
      card.observed = false;
      this.observer.unobserve(card.root);
      this.observer.observe(card.root);
    }
    if (card.id === PAPER_CARD) this.titlePaper(card);
    if (this.alerts.size) showAlertBadge(card.root, this.markersOf(card));
    this.mark(card);
  }

  private syncAll(): void {
    this.regroup();
    for (const card of this.cards.values()) this.syncCard(card);
    this.showStatus();
  }

  private showStatus(): void {
    const runs = this.runKeys().length;
    let points = 0;
    for (const r of this.store.runs.values()) points += r.n;
    this.empty.classList.toggle('hidden', runs > 0);
    this.toolbar.showStatus(runs ? `${runs} run${runs > 1 ? 's' : ''} · ${COUNT.format(points)} steps` : '');
    showSystemNote(this.grid, runsWithoutGpu(this.runKeys().map((k) => ({ label: this.runLabel(k), count: (m: string) => this.store.runs.get(k)?.metrics.get(m)?.n ?? 0 }))));
  }

  private titlePaper(card: ChartCard): void {
    const labels = this.entries.filter((e) => e.runs.some((k) => this.store.runs.has(k))).map((e) => e.label);
    const h = card.root.querySelector('.card-title');
    const title = this.state.layout === 'paper' && labels.length > 1 ? `Response length — ${labels.join(' vs ')}` : card.title;
    // Written only when it changes: any DOM write makes the next layout query synchronous.
    if (h && h.textContent !== title) h.textContent = title;
  }

  private allMetrics(): Set<string> {
    const all = new Set<string>();
    for (const card of this.cards.values()) for (const m of card.metrics) all.add(m);
    return all;
  }

  private exportCsv(id: string, metrics: string[]): void {
    const csv = this.store.toCsv(metrics, (k) => this.runLabel(k), this.runKeys());
    this.channel.post('export/csv', { fileName: `${safeFileName(id)}.csv`, csv });
  }

  private mark(card: ChartCard | undefined): void {
    if (!card) return;
    this.dirty.add(card);
    if (card.visible) this.schedule();
  }

  private markAll(): void {
    for (const card of this.cards.values()) this.mark(card);
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  private applyState(): void {
    this.toolbar.showSmoothing(this.state.smoothing);
    this.toolbar.showSeeds(this.state.seeds, this.runs.some((r) => groupOf(r)));
    for (const [id, log] of Object.entries(this.state.log)) this.cards.get(id)?.setLog(log);
    this.applyLayout();
  }

  private applyLayout(): void {
    this.root.classList.toggle('layout-paper', this.state.layout === 'paper');
    this.toolbar.showLayout(this.state.layout);
    const paper = this.cards.get(PAPER_CARD);
    if (paper) this.titlePaper(paper);
    this.markAll();
  }

  private save(): void {
    this.state.hidden = [...this.hidden];
    this.channel.saveState(this.state);
  }
}
