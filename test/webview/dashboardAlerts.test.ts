// Alert markers in the dashboard bundle (headless Chromium, panel CSP): the host's 'dashboard/alerts' puts a
// dashed marker at the alert's global step on the chart of its metric (run colour; red for an error), a
// "⚠ N" badge in that card's header listing the alerts as text, nothing on the other charts; a new list
// replaces the old one.
import { strict as assert } from 'node:assert';
import { openPanel, panelSuite, type PanelPage } from './harness/harness';
import type { RunInfo } from '../../protocol/messages';
import type { AlertEvent } from '../../protocol/alerts';
import { toMetricColumns } from '../../extension/panels/metricColumns';
import type { MetricPoint } from '../../extension/runs/stageSeries';

type RGBA = [number, number, number, number];
const hex = (h: string): RGBA => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(255) as RGBA;
const dist = (a: RGBA, b: RGBA) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const BLUE = hex('#3794ff');
const RED = hex('#f14c4c');

const run: RunInfo = { key: '/ws/runs/demo/r1', label: 'demo/r1', recipe: 'demo', runId: 'r1', stages: [{ id: 'rl', kind: 'perception', state: 'running', totalSteps: 200, globalOffset: 0 }] };

const points = (n: number): MetricPoint[] => Array.from({ length: n }, (_, i) => ({
  stage: 'rl', step: i + 1, global_step: i + 1, time: 1.7e9 + i,
  'actor/kl_loss': 0.001 * (i + 1), 'reward/overall': 0.3, 'actor/grad_norm': i === 149 ? NaN : 1,
}));

const alert = (over: Partial<AlertEvent>): AlertEvent => ({
  rule: 'kl_rising', severity: 'warning', stage: 'rl', step: 120, x: 120, metric: 'actor/kl_loss', value: 0.12,
  message: 'KL rising fast: actor/kl_loss averaged 0.118 over the last 5 records, 2.1× the 5 before (0.056)', ...over,
});

const xPixel = (p: PanelPage, card: string, v: number) => p.page.evaluate(([id, x]) => (globalThis as any).s2tDebug.dashboard.cards.get(id).chart.scales.x.getPixelForValue(x), [card, v] as const);
const area = (p: PanelPage, card: string) => p.page.evaluate((id) => ({ ...(globalThis as any).s2tDebug.dashboard.cards.get(id).chart.chartArea }), card);
/** The share of a pixel column (inside the plot, below the marker's triangle) that is near `color`. */
async function share(p: PanelPage, card: string, x: number, color: RGBA): Promise<number> {
  const a = await area(p, card);
  const rows = await p.page.evaluate(([id, cx, y0, y1]) => {
    const canvas = (globalThis as any).s2tDebug.dashboard.cards.get(id).chart.canvas;
    const d = canvas.getContext('2d').getImageData(Math.floor(cx), Math.round(y0), 1, Math.round(y1 - y0)).data;
    const out: number[][] = [];
    for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2], d[i + 3]]);
    return out;
  }, [card, x, a.top + 12, a.bottom - 2] as const);
  return rows.filter((c) => dist(c as RGBA, color) < 40).length / rows.length;
}
const badge = (p: PanelPage, card: string) => p.page.evaluate((id) => {
  const b = (globalThis as any).document.querySelector(`[data-card="${id}"] .card-alerts`);
  return b ? { text: b.textContent, title: b.title, error: b.classList.contains('error') } : null;
}, card);

describe('dashboard alert markers (headless chromium)', function () {
  const suite = panelSuite();

  it('marks the step on the chart of the alert\'s metric, badges that card, and replaces the list', async () => {
    const p = await openPanel(suite.browser, suite.h, 'dashboard', { height: 2000 });
    suite.panels.push(p);
    await p.deliver({ method: 'dashboard/runs', params: { runs: [run] } });
    await p.deliver({ method: 'dashboard/columns', params: toMetricColumns(run.key, points(200)) });
    await p.frames(3);
    const hostile = '<img src=x onerror=alert(1)> KL rising';
    await p.deliver({ method: 'dashboard/alerts', params: { run: run.key, alerts: [
      alert({ message: hostile }),
      alert({ rule: 'non_finite', severity: 'error', step: 150, x: 150, metric: 'actor/grad_norm', value: null, message: 'actor/grad_norm is NaN: the update diverged' }),
    ] } });
    await p.frames(3);

    // KL chart: a dashed line in the run's colour at step 120, none a few pixels aside.
    const kx = await xPixel(p, 'kl', 120);
    assert.ok(await share(p, 'kl', kx, BLUE) > 0.3, 'marker drawn at step 120');
    assert.ok(await share(p, 'kl', kx + 9, BLUE) < 0.1, 'nothing beside it');
    // Grad-norm chart: the error marker is red.
    const gx = await xPixel(p, 'grad', 150);
    assert.ok(await share(p, 'grad', gx, RED) > 0.3, 'error marker in red at step 150');
    // The reward chart charts neither metric: no marker, no badge.
    assert.ok(await share(p, 'reward', await xPixel(p, 'reward', 120), BLUE) < 0.1);
    assert.equal(await badge(p, 'reward'), null);
    const kb = (await badge(p, 'kl'))!;
    assert.equal(kb.text, '⚠ 1');
    assert.equal(kb.title, `rl step 120: ${hostile}`, 'the message is text (title attribute), not markup');
    assert.equal(kb.error, false);
    assert.equal((await badge(p, 'grad'))!.error, true);
    assert.equal(await p.page.evaluate(() => (globalThis as any).document.querySelectorAll('img').length), 0);

    // A new list replaces the old: the KL marker and badge go.
    await p.deliver({ method: 'dashboard/alerts', params: { run: run.key, alerts: [alert({ rule: 'non_finite', severity: 'error', step: 150, x: 150, metric: 'actor/grad_norm', value: null, message: 'NaN' })] } });
    await p.frames(3);
    assert.ok(await share(p, 'kl', kx, BLUE) < 0.1, 'KL marker removed');
    assert.equal(await badge(p, 'kl'), null);
    assert.ok(await share(p, 'grad', gx, RED) > 0.3);
    // Malformed input is dropped, not drawn.
    await p.deliver({ method: 'dashboard/alerts', params: { run: run.key, alerts: [{ x: 'nope' }, null] } });
    await p.frames(2);
    assert.equal(await badge(p, 'grad'), null);
  });
});
