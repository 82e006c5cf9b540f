// Alert markers on the dashboard's charts: a dashed line at the global step where a rule fired, with a small
// triangle at the top, in the run's colour (red for an error), on the card that charts the rule's metric; and
// a "⚠ N" badge in the card's header whose tooltip lists the alerts. The host sends each run's alerts.
import type { Chart, Plugin } from 'chart.js';
import type { AlertEvent } from '../../protocol/alerts';
import { el } from '../common/dom';

export interface Marker {
  x: number;
  color: string;
  error: boolean;
  text: string;
}

const sources = new WeakMap<Chart, () => Marker[]>();
const drawn = new WeakMap<Chart, { x: number; px: number }[]>();

/** Tells the plugin where a chart's markers come from (looked up at every draw). */
export function attachMarkers(chart: Chart, markers: () => Marker[]): void {
  sources.set(chart, markers);
}

/** Markers the last draw put on screen, with their pixel x (tests). */
export function drawnMarkers(chart: Chart): { x: number; px: number }[] {
  return drawn.get(chart) ?? [];
}

const ERROR = '#f14c4c';

export const alertMarkerPlugin: Plugin<'line'> = {
  id: 's2tAlertMarkers',
  afterDatasetsDraw(chart) {
    const markers = sources.get(chart)?.() ?? [];
    const area = chart.chartArea;
    const xs = chart.scales.x;
    const out: { x: number; px: number }[] = [];
    drawn.set(chart, out);
    if (!markers.length || !area || !xs) return;
    const { ctx } = chart;
    ctx.save();
    for (const m of markers) {
      const px = Math.round(xs.getPixelForValue(m.x)) + 0.5;
      if (!(px >= area.left && px <= area.right)) continue;
      const color = m.error ? ERROR : m.color;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(px - 5, area.top);
      ctx.lineTo(px + 5, area.top);
      ctx.lineTo(px, area.top + 8);
      ctx.closePath();
      ctx.fill();
      out.push({ x: m.x, px });
    }
    ctx.restore();
  },
};

/** The markers of a card: the alerts (of the runs it shows) whose metric it charts. */
export function markersFor(metrics: readonly string[], alerts: ReadonlyMap<string, readonly AlertEvent[]>, runs: readonly string[], color: (run: string) => string): Marker[] {
  const out: Marker[] = [];
  for (const run of runs) {
    for (const a of alerts.get(run) ?? []) {
      if (typeof a.x !== 'number' || !metrics.includes(a.metric)) continue;
      out.push({ x: a.x, color: color(run), error: a.severity === 'error', text: `${a.stage} step ${a.step}: ${a.message}` });
    }
  }
  return out;
}

/** The card header's alert badge: shown with the count and every alert in its tooltip, or removed. */
export function showAlertBadge(card: HTMLElement, markers: readonly Marker[]): void {
  let badge = card.querySelector<HTMLElement>('.card-alerts');
  if (!markers.length) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = el('span', { class: 'card-alerts', attrs: { role: 'status' } });
    card.querySelector('.card-title')?.after(badge);
  }
  const text = `⚠ ${markers.length}`;
  const title = markers.map((m) => m.text).join('\n');
  if (badge.textContent !== text) badge.textContent = text;
  if (badge.title !== title) badge.title = title;
  badge.classList.toggle('error', markers.some((m) => m.error));
}
