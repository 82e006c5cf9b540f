// One chart of the dashboard: a card with a title, a log-scale toggle, PNG/CSV export and reset-zoom
// buttons, and a Chart.js chart whose lines our series plugin draws. Tooltips use our own hit-testing
// (nearest step per series by binary search) because Chart.js has no points to hit.
import { Chart, type ChartDataset, type LegendItem } from 'chart.js';
import { attachModel, drawnPoints, drawTimes, redrawData, type CardModel, type SeriesDef } from './seriesPlugin';
import { el, clear, formatValue } from '../common/dom';
import { withAlpha, type Theme } from '../common/theme';
import { nearestIndex } from '../../protocol/search';

export interface CardHost {
  readonly theme: () => Theme;
  model: Omit<CardModel, 'series' | 'log' | 'extent'>;
  /** Legend click on a series. */
  toggleSeries(key: string, hidden: boolean): void;
  isHidden(key: string): boolean;
  setLog(cardId: string, log: boolean): void;
  resetZoom(): void;
  exportPng(cardId: string, dataUrl: string): void;
  exportCsv(cardId: string): void;
  stageAt(run: string, x: number): string | undefined;
  runLabel(run: string): string;
  /** Extra tooltip text for a series at step x (an experiment arm: its seeds and band there). */
  seriesNote?(def: SeriesDef, x: number): string | undefined;
}

export class ChartCard {
  readonly root: HTMLElement;
  readonly chart: Chart<'line'>;
  series: SeriesDef[] = [];
  visible = true;
  /** The intersection observer has reported on this card since it last became non-empty (else `visible` is a guess). */
  observed = false;
  private log: boolean;
  /** Something besides the data changed (series, log axis, theme, visibility): the next draw is a full update. */
  private stale = true;
  private readonly logBox: HTMLElement & { checked: boolean };
  private readonly tooltip: HTMLElement;
  private readonly crosshair: HTMLElement;
  private readonly canvas: HTMLCanvasElement;

  constructor(readonly id: string, readonly title: string, readonly metrics: string[], log: boolean, private readonly host: CardHost) {
    this.log = log;
    this.canvas = el('canvas', { attrs: { role: 'img', 'aria-label': title } });
    this.tooltip = el('div', { class: 'tooltip hidden', attrs: { role: 'tooltip' } });
    this.crosshair = el('div', { class: 'crosshair hidden' });
    this.logBox = el('vscode-checkbox', { attrs: { label: 'log', title: 'Logarithmic y axis' } }) as HTMLElement & { checked: boolean };
    this.logBox.checked = log;
    this.logBox.addEventListener('change', () => host.setLog(id, this.logBox.checked));
    const button = (icon: string, label: string, onClick: () => void) => {
      const b = el('vscode-toolbar-button', { attrs: { icon, label, title: label } });
      b.addEventListener('click', onClick);
      return b;
    };
    this.root = el('section', { class: 'card', attrs: { 'data-card': id } },
      el('header', { class: 'card-header' },
        el('h2', { class: 'card-title', text: title, title: metrics.join(', ') }),
        el('div', { class: 'card-actions' },
          this.logBox,
          button('discard', 'Reset zoom', () => host.resetZoom()),
          button('device-camera', 'Export PNG', () => host.exportPng(id, this.chart.toBase64Image('image/png', 1))),
          button('table', 'Export CSV', () => host.exportCsv(id)))),
      el('div', { class: 'card-body' }, this.canvas, this.crosshair, this.tooltip));
    this.chart = new Chart(this.canvas, { type: 'line', data: { datasets: [] }, options: this.options(host.theme()) });
    attachModel(this.chart, this.model());
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.unhover());
    this.canvas.addEventListener('dblclick', () => host.resetZoom());
  }

  private model(): CardModel {
    return { ...this.host.model, series: this.series, log: () => this.log, extent: () => this.extent() };
  }

  /** [min, max] x over this card's series (NaN, NaN when empty). */
  extent(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const def of this.series) {
      const s = this.host.model.data(def);
      if (!s || s.n === 0) continue;
      lo = Math.min(lo, s.x[0]);
      hi = Math.max(hi, s.x[s.n - 1]);
    }
    return lo <= hi ? [lo, hi] : [NaN, NaN];
  }

  private options(theme: Theme) {
    const tick = { color: theme.muted, font: { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) } };
    const grid = { color: theme.grid, tickColor: theme.grid };
    return {
      animation: false as const,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false as const,
      normalized: true,
      events: ['click', 'mousemove', 'mouseout', 'touchstart', 'touchmove'] as (keyof HTMLElementEventMap)[],
      layout: { padding: { top: 4, right: 8 } },
      scales: {
        x: { type: 'linear' as const, ticks: { ...tick, maxRotation: 0, includeBounds: false, callback: (v: number | string) => formatValue(Number(v)) }, grid, border: { color: theme.border },
          title: { display: true, text: 'global step', color: theme.muted, font: tick.font } },
        y: { type: this.log ? ('logarithmic' as const) : ('linear' as const), ticks: { ...tick, includeBounds: false, callback: (v: number | string) => this.yTick(Number(v)) }, grid, border: { color: theme.border } },
      },
      plugins: {
        legend: {
          position: 'bottom' as const,
          labels: { color: theme.foreground, font: tick.font, boxWidth: 14, boxHeight: 2 },
          onClick: (_e: unknown, item: LegendItem) => {
            const i = item.datasetIndex ?? -1;
            const def = this.series[i];
            if (!def) return;
            this.host.toggleSeries(def.key, this.chart.isDatasetVisible(i));
          },
        },
        tooltip: { enabled: false },
        zoom: {
          zoom: { mode: 'x' as const, wheel: { enabled: true, modifierKey: 'ctrl' as const }, drag: { enabled: true, backgroundColor: withAlpha(theme.foreground, 0.12) } },
          pan: { enabled: true, mode: 'x' as const, modifierKey: 'shift' as const },
        },
      },
    };
  }

  /** Y tick labels: compact numbers; on a log axis only 1, 2 and 5 of each decade (the rest stay unlabelled). */
  private yTick(v: number): string {
    if (!this.log) return formatValue(Math.abs(v) < 1e-12 ? 0 : v);
    const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return Math.abs(m - Math.round(m)) < 1e-6 && [1, 2, 5].includes(Math.round(m)) ? formatValue(v) : '';
  }

  /** Replaces the series (when runs or metrics appear): datasets exist only for the legend. */
  setSeries(defs: SeriesDef[]): void {
    const same = defs.length === this.series.length && defs.every((d, i) => d.key === this.series[i].key && d.color === this.series[i].color && d.label === this.series[i].label);
    this.series.length = 0;
    this.series.push(...defs);
    this.root.classList.toggle('empty', defs.length === 0);
    if (same) return;
    this.stale = true;
    this.chart.data.datasets = defs.map((d): ChartDataset<'line'> => ({
      label: d.label, data: [], borderColor: d.color, backgroundColor: d.color, borderDash: d.dash, hidden: this.host.isHidden(d.key),
    }));
  }

  /** The next update re-lays out the chart (Chart.js update) even if only data changed. */
  invalidate(): void {
    this.stale = true;
  }

  /** Shows or hides series i (legend toggle). */
  setSeriesVisible(i: number, visible: boolean): void {
    this.chart.setDatasetVisibility(i, visible);
    this.invalidate();
  }

  setLog(log: boolean): void {
    this.invalidate();
    this.log = log;
    this.logBox.checked = log;
    this.chart.options.scales!.y!.type = log ? 'logarithmic' : 'linear';
  }

  /** Re-reads colours after a theme switch (Chart.js options are live: mutate, then update). */
  setTheme(theme: Theme): void {
    this.invalidate();
    const o = this.options(theme);
    const c = this.chart.options;
    for (const axis of ['x', 'y'] as const) {
      const s = c.scales![axis]!;
      s.ticks!.color = o.scales[axis].ticks.color;
      s.ticks!.font = o.scales[axis].ticks.font;
      s.grid!.color = o.scales[axis].grid.color;
      s.grid!.tickColor = o.scales[axis].grid.tickColor;
      s.border!.color = o.scales[axis].border.color;
    }
    const xt = c.scales!.x!.title as { color?: string };
    xt.color = theme.muted;
    c.plugins!.legend!.labels!.color = theme.foreground;
    (c.plugins as { zoom: { zoom: { drag: { backgroundColor: string } } } }).zoom.zoom.drag.backgroundColor = withAlpha(theme.foreground, 0.12);
  }

  /** The downsampled points last drawn for series i (diagnostics: tests and the benchmark check spikes). */
  drawn(i: number) {
    return drawnPoints(this.chart, i);
  }

  /** Milliseconds our plugin spent in the last update (downsampling, drawing lines); the rest is Chart.js. */
  times() {
    return drawTimes(this.chart);
  }

  /**
   * Redraws now (the caller batches per animation frame and skips cards out of view): only the drawing when
   * nothing but the data changed and the axes keep their limits, else a full Chart.js update. Returns whether
   * it was a full update (layout, ticks, legend).
   */
  update(): boolean {
    if (!this.stale && redrawData(this.chart)) return false;
    this.stale = false;
    this.chart.update('none');
    return true;
  }

  private hover(e: MouseEvent): void {
    const area = this.chart.chartArea;
    const xs = this.chart.scales.x;
    const ys = this.chart.scales.y;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    if (!area || !xs || !ys || px < area.left || px > area.right || py < area.top || py > area.bottom) return this.unhover();
    const xv = xs.getValueForPixel(px) ?? NaN;
    const smoothing = this.host.model.smoothing() > 0;
    const rows: { def: SeriesDef; x: number; y: number; sm: number; dist: number; stage?: string }[] = [];
    this.series.forEach((def, i) => {
      const s = this.host.model.data(def);
      if (!s || !this.chart.isDatasetVisible(i)) return;
      const j = nearestIndex(s.x, s.n, xv);
      if (j < 0) return;
      const y = s.y[j];
      const sm = s.smooth[j];
      const shown = smoothing ? sm : y;
      const dy = Number.isFinite(shown) && (!this.log || shown > 0) ? ys.getPixelForValue(shown) - py : Infinity;
      rows.push({ def, x: s.x[j], y, sm, dist: Math.hypot(xs.getPixelForValue(s.x[j]) - px, dy), stage: this.host.stageAt(def.run, s.x[j]) });
    });
    if (!rows.length) return this.unhover();
    const best = rows.reduce((a, b) => (b.dist < a.dist ? b : a));
    clear(this.tooltip);
    this.tooltip.append(el('div', { class: 'tt-head', text: `step ${formatValue(best.x)}${best.stage ? ` · ${best.stage}` : ''}` }));
    for (const r of rows) {
      const swatch = el('span', { class: 'tt-swatch' });
      swatch.style.background = r.def.color;
      this.tooltip.append(el('div', { class: r === best ? 'tt-row best' : 'tt-row' },
        swatch,
        el('span', { class: 'tt-label', text: r.def.label }),
        el('span', { class: 'tt-value', text: smoothing ? `${formatValue(r.sm)} (${formatValue(r.y)})` : formatValue(r.y) }),
        r.x !== best.x ? el('span', { class: 'tt-step', text: `@${formatValue(r.x)}` }) : null));
      const note = this.host.seriesNote?.(r.def, r.x);
      if (note) this.tooltip.append(el('div', { class: 'tt-note', text: note }));
    }
    const bx = xs.getPixelForValue(best.x);
    this.crosshair.style.transform = `translate(${Math.round(bx)}px, ${Math.round(area.top)}px)`;
    this.crosshair.style.height = `${Math.round(area.bottom - area.top)}px`;
    this.crosshair.classList.remove('hidden');
    this.tooltip.classList.remove('hidden');
    const w = this.tooltip.offsetWidth;
    const left = bx + 12 + w > area.right ? bx - 12 - w : bx + 12;
    this.tooltip.style.transform = `translate(${Math.round(Math.max(0, left))}px, ${Math.round(area.top + 4)}px)`;
  }

  private unhover(): void {
    this.tooltip.classList.add('hidden');
    this.crosshair.classList.add('hidden');
  }

  destroy(): void {
    this.chart.destroy();
    this.root.remove();
  }
}
