// The dashboard bundle in headless Chromium under the panel CSP: pixels at known coordinates (a one-point
// spike among 100 k survives downsampling, stage boundaries are drawn, gaps stay gaps, theme colours are
// used and follow a theme switch), incremental deltas (one point redraws one chart, no DOM rebuilt), zoom
// shared across charts, legend toggles, tooltips, exports the host accepts, the paper's response-length
// layout, saved state restored, hostile input shown as text, and no CSP violation anywhere. Experiment arms
// drawn as a mean line and a band (± std / min–max / each run), stage labels of several runs laid out without
// overlap, and the config-difference table.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPanel, panelSuite, wrap, type PanelPage } from './harness/harness';
import { parseWebviewMessage, type RunInfo } from '../../protocol/messages';
import { toMetricColumns } from '../../extension/panels/metricColumns';
import type { MetricPoint } from '../../extension/runs/stageSeries';

const shots = join(__dirname, '../../test-results/webview');
type RGBA = [number, number, number, number];
const hex = (h: string): RGBA => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(255) as RGBA;
const dist = (a: RGBA, b: RGBA) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const over = (fg: RGBA, alpha: number, bg: RGBA): RGBA => [0, 1, 2].map((i) => fg[i] * alpha + bg[i] * (1 - alpha)).concat(255) as RGBA;

// VS Code Dark Modern / Light Modern / High Contrast values the stand-in sets.
const DARK = { bg: hex('#1f1f1f'), blue: hex('#3794ff'), orange: hex('#d18616') };
const LIGHT = { bg: hex('#ffffff'), blue: hex('#1a85ff') };

const stagedRun: RunInfo = {
  key: '/ws/runs/demo/staged', label: 'staged', recipe: 'demo', runId: 'staged', stages: [
    { id: 'perception', kind: 'perception', state: 'succeeded', totalSteps: 90, globalOffset: 0 },
    { id: 'textual', kind: 'textual-reasoning', state: 'succeeded', totalSteps: 375, globalOffset: 90 },
    { id: 'visual', kind: 'visual-reasoning', state: 'running', totalSteps: 465, globalOffset: 465 },
  ],
};
const mergedRun: RunInfo = {
  key: '/ws/runs/demo/merged', label: 'merged', recipe: 'demo', runId: 'merged',
  stages: [{ id: 'merged', kind: 'merged', state: 'running', totalSteps: 930, globalOffset: 0 }],
};

/** Page-side helpers over a card's chart: pixel mapping, chart area, pixel colours (CSS px, dpr 1). */
async function chartInfo(p: PanelPage, card: string) {
  return p.page.evaluate((id) => {
    const c = (globalThis as any).s2tDebug.dashboard.cards.get(id).chart;
    return { area: { ...c.chartArea }, x: [c.scales.x.min, c.scales.x.max], y: [c.scales.y.min, c.scales.y.max], yType: c.options.scales.y.type };
  }, card);
}
const xPixel = (p: PanelPage, card: string, v: number) => p.page.evaluate(([id, x]) => (globalThis as any).s2tDebug.dashboard.cards.get(id).chart.scales.x.getPixelForValue(x), [card, v] as const);
const yPixel = (p: PanelPage, card: string, v: number) => p.page.evaluate(([id, y]) => (globalThis as any).s2tDebug.dashboard.cards.get(id).chart.scales.y.getPixelForValue(y), [card, v] as const);
/** Pixels of a vertical run of the card's canvas at column x, rows y0..y1. */
const column = (p: PanelPage, card: string, x: number, y0: number, y1: number): Promise<RGBA[]> => p.page.evaluate(([id, cx, a, b]) => {
  const canvas = (globalThis as any).s2tDebug.dashboard.cards.get(id).chart.canvas;
  const d = canvas.getContext('2d').getImageData(Math.round(cx), Math.round(a), 1, Math.max(1, Math.round(b - a))).data;
  const out: number[][] = [];
  for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2], d[i + 3]]);
  return out;
}, [card, x, y0, y1] as const) as Promise<RGBA[]>;

/**
 * Delivers `n` rows of one run (each metric logged at every row) as one columns message made in the page (no
 * 10 MB argument), as VS Code would (JSON). The first for a run: later ones for it append after its rows.
 */
async function deliverSeries(p: PanelPage, run: string, n: number, kind: 'spike' | 'gap' | 'ramp', metric: string | string[], stages: [string, number][] = [['s', 0]]) {
  await p.page.evaluate(([runKey, count, k, ms, st]) => {
    const c = { run: runKey, stages: [] as string[], stageRows: [] as number[], step: [] as number[], x: [] as number[], time: [] as number[], metrics: Object.fromEntries(ms.map((m) => [m, { v: [] as (number | null)[] }])) };
    for (let i = 1; i <= count; i++) {
      const stage = st.filter((s) => s[1] < i).pop() ?? st[0];
      let v: number | null = 0.2 + 0.01 * Math.sin(i / 7);
      if (k === 'spike' && i === 54_321) v = 1;
      if (k === 'gap' && i >= 400 && i < 600) v = null;
      if (k === 'ramp') v = i / count;
      if (c.stages[c.stages.length - 1] === stage[0]) c.stageRows[c.stageRows.length - 1]++;
      else c.stages.push(stage[0]), c.stageRows.push(1);
      c.step.push(i - stage[1]);
      c.x.push(i);
      c.time.push(1.7e9 + i);
      for (const m of ms) c.metrics[m].v.push(v);
    }
    (globalThis as any).__deliver({ method: 'dashboard/columns', params: c });
  }, [run, n, kind, typeof metric === 'string' ? [metric] : metric, stages] as const);
}

/** A columns message for a few points, encoded as the host does. */
const columns = (run: string, points: MetricPoint[]) => ({ method: 'dashboard/columns', params: toMetricColumns(run, points) });

async function setSmoothing(p: PanelPage, w: number) {
  await p.page.evaluate((v) => {
    const s = (globalThis as any).document.querySelector('input.smoothing');
    s.value = String(v);
    s.dispatchEvent(new (globalThis as any).Event('input', { bubbles: true }));
  }, w);
  await p.frames(2);
}

describe('dashboard webview (headless chromium)', function () {
  const suite = panelSuite();
  before(() => mkdirSync(shots, { recursive: true }));
  const open = async (o: Parameters<typeof openPanel>[3] = {}) => {
    const p = await openPanel(suite.browser, suite.h, 'dashboard', { height: 2000, ...o });
    suite.panels.push(p);
    return p;
  };

  it('draws a one-point spike among 100 k points, the stage boundary, in the theme colours; screenshot saved', async () => {
    const p = await open();
    const run: RunInfo = { ...stagedRun, key: '/r/spike', label: 'spiky', stages: [
      { id: 'first', kind: 'perception', state: 'succeeded', totalSteps: 50_000, globalOffset: 0 },
      { id: 'second', kind: 'textual-reasoning', state: 'running', totalSteps: 50_000, globalOffset: 50_000 }] };
    await p.deliver({ method: 'dashboard/runs', params: { runs: [run] } });
    await setSmoothing(p, 0);
    await deliverSeries(p, run.key, 100_000, 'spike', 'reward/overall', [['first', 0], ['second', 50_000]]);
    await p.frames(3);
    const info = await chartInfo(p, 'reward');
    assert.deepEqual(info.x, [1, 100_000]);
    assert.ok(info.y[1] >= 1 && info.y[1] < 1.1, `y fits the spike: ${info.y}`);

    // The spike: the series colour reaches the spike's height in its pixel column, and only there.
    const sx = await xPixel(p, 'reward', 54_321);
    const sy = await yPixel(p, 'reward', 1);
    const near = async (x: number) => (await column(p, 'reward', x, sy - 2, sy + 4)).some((c) => dist(c, DARK.blue) < 60);
    assert.ok((await near(sx)) || (await near(sx - 1)) || (await near(sx + 1)), 'spike drawn at its column');
    assert.equal(await near(sx + 40), false, 'nothing at that height elsewhere');
    assert.equal(await near(sx - 40), false, 'nothing at that height elsewhere');

    // The stage boundary at global step 50 000: a dashed line in the run colour (85 % over the background).
    const bx = Math.round(await xPixel(p, 'reward', 50_000));
    const rows = await column(p, 'reward', bx, info.area.top + 20, info.area.bottom - 2);
    const expected = over(DARK.blue, 0.85, DARK.bg);
    const hits = rows.filter((c) => dist(c, expected) < 30).length;
    assert.ok(hits > rows.length * 0.4, `boundary pixels ${hits}/${rows.length}`);
    const beside = (await column(p, 'reward', bx + 9, info.area.top + 20, info.area.bottom - 2)).filter((c) => dist(c, expected) < 30).length;
    assert.ok(beside < rows.length * 0.1, `no boundary beside it (${beside})`);

    // Theme: the canvas background is the editor background.
    assert.ok(dist((await column(p, 'reward', 2, 2, 3))[0], DARK.bg) < 3, 'dark background');
    await p.page.locator('[data-card="reward"]').screenshot({ path: join(shots, 'dashboard-spike-dark.png') });
    await p.page.screenshot({ path: join(shots, 'dashboard-dark.png') });

    // A theme switch re-reads the colours: light background, light series blue.
    await p.page.evaluate(() => (globalThis as any).__setTheme('light'));
    await p.frames(4);
    assert.ok(dist((await column(p, 'reward', 2, 2, 3))[0], LIGHT.bg) < 3, 'light background');
    const lightSpike = (await column(p, 'reward', Math.round(sx), sy - 2, sy + 4)).concat(await column(p, 'reward', Math.round(sx) - 1, sy - 2, sy + 4));
    assert.ok(lightSpike.some((c) => dist(c, LIGHT.blue) < 60), 'spike in the light theme blue');
    await p.page.evaluate(() => (globalThis as any).__setTheme('high-contrast'));
    await p.frames(4);
    assert.ok(dist((await column(p, 'reward', 2, 2, 3))[0], [0, 0, 0, 255]) < 3, 'high contrast background');
  });

  it('draws the error analysis (perception vs reasoning share of wrong visual answers) as its own family', async () => {
    const p = await open();
    // One message for both (a second message starting again at step 1 would go back in x: the store drops it).
    await deliverSeries(p, '/r/a', 50, 'ramp', ['val/perception_error_share', 'val/reasoning_error_share']);
    await p.frames(3);
    const card = p.page.locator('[data-card="errors"]');
    assert.match(await card.innerText(), /Wrong visual answers: perception vs reasoning/);
    const drawn = await p.page.evaluate(() => { const c = (globalThis as any).s2tDebug.dashboard.cards.get('errors'); return c.chart.data.datasets.length; });
    assert.ok(drawn >= 2, `both shares are series of the card (${drawn})`);
  });

  it('a null value is a gap: no line across it', async () => {
    const p = await open();
    await setSmoothing(p, 0);
    await deliverSeries(p, '/r/gap', 1000, 'gap', 'actor/entropy');
    await p.frames(3);
    const info = await chartInfo(p, 'entropy');
    const hasLine = async (v: number) => (await column(p, 'entropy', Math.round(await xPixel(p, 'entropy', v)), info.area.top, info.area.bottom)).some((c) => dist(c, DARK.blue) < 60);
    assert.equal(await hasLine(300), true);
    assert.equal(await hasLine(500), false, 'gap between 400 and 600');
    assert.equal(await hasLine(700), true);
  });

  it('applies a one-point delta incrementally: one chart redrawn, no DOM rebuilt, acknowledged with counts', async () => {
    const p = await open();
    await setSmoothing(p, 0);
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
    await deliverSeries(p, stagedRun.key, 930, 'ramp', ['reward/overall', 'actor/kl_loss']);
    await deliverSeries(p, mergedRun.key, 930, 'ramp', 'reward/overall');
    await p.frames(3);
    const before = await p.page.evaluate(() => {
      const d = (globalThis as any).s2tDebug.dashboard;
      (globalThis as any).__mutations = 0;
      const g = globalThis as any;
      new g.MutationObserver((m: unknown[]) => (g.__mutations += m.length)).observe(g.document.querySelector('main.grid'), { childList: true, subtree: true });
      return JSON.parse(JSON.stringify(d.stats));
    });
    const drawnBefore = (await p.posted('dashboard/drawn')).length;
    await p.deliver(columns(stagedRun.key, [{ stage: 'visual', step: 466, global_step: 931, time: 1.8e9, 'reward/overall': 0.99 }]));
    await p.frames(3);
    const after = await p.page.evaluate(() => ({ stats: (globalThis as any).s2tDebug.dashboard.stats, mutations: (globalThis as any).__mutations }));
    assert.equal(after.stats.cardsBuilt, before.cardsBuilt, 'no card rebuilt');
    assert.equal(after.stats.updates.reward, before.updates.reward + 1, 'the reward chart redrawn once');
    for (const id of Object.keys(before.updates)) if (id !== 'reward') assert.equal(after.stats.updates[id], before.updates[id], `${id} not redrawn`);
    assert.equal(after.mutations, 0, 'no element added or removed');
    // The point passed the axis end: the axis follows with 5 % room (GROWTH) so the next points need no re-layout.
    assert.deepEqual((await chartInfo(p, 'reward')).x, [1, 931 + 0.05 * 930], 'the new point is on the axis, with room');
    assert.equal(after.stats.layouts.reward, before.layouts.reward + 1, 'new axis limits: a full update');
    const drawn = (await p.posted('dashboard/drawn')).slice(drawnBefore);
    assert.equal(drawn.length, 1);
    assert.ok(parseWebviewMessage(drawn[0]), 'the host accepts the acknowledgement');
    assert.equal((drawn[0].params.counts as Record<string, number>)[stagedRun.key], 931);

    // The next point lands inside the room: the chart is only drawn again (no Chart.js update), and it shows.
    await p.deliver(columns(stagedRun.key, [{ stage: 'visual', step: 467, global_step: 932, time: 1.8e9, 'reward/overall': 0.5 }]));
    await p.frames(3);
    const next = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.stats);
    assert.equal(next.updates.reward, after.stats.updates.reward + 1, 'redrawn');
    assert.equal(next.layouts.reward, after.stats.layouts.reward, 'not laid out again');
    assert.deepEqual((await chartInfo(p, 'reward')).x, [1, 931 + 0.05 * 930], 'same axis');
    const last = await p.page.evaluate(() => { const b = (globalThis as any).s2tDebug.dashboard.cards.get('reward').drawn(0); return [b.x[b.n - 1], b.y[b.n - 1]]; });
    assert.deepEqual(last, [932, 0.5], 'the downsampled line ends at the new point');
    const info = await chartInfo(p, 'reward');
    const px = await xPixel(p, 'reward', 932);
    const py = await yPixel(p, 'reward', 0.5);
    // A near-vertical antialiased segment: look in the columns around it, just above the new point.
    const seg = (await Promise.all([-1, 0, 1].map((d) => column(p, 'reward', Math.round(px) + d, py - 4, py + 1)))).flat();
    assert.ok(seg.some((c) => dist(c, DARK.blue) < 60), `the new segment is drawn down to 0.5 at step 932 (area ${JSON.stringify(info.area)})`);
    // …and the old axis end (the last point of the first draw) was not left alone: the line continues past it.
    const beyond = await column(p, 'reward', Math.round(await xPixel(p, 'reward', 931.5)), info.area.top, info.area.bottom);
    assert.ok(beyond.some((c) => dist(c, DARK.blue) < 60), 'the line is drawn between 931 and 932');
    assert.equal((await p.posted('dashboard/drawn')).length, drawnBefore + 2, 'acknowledged again');
  });

  it('streams 200 points one per frame with few re-layouts: axes keep room past a growing or noisy series', async () => {
    const p = await open();
    await setSmoothing(p, 0.6);
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun] } });
    await deliverSeries(p, stagedRun.key, 200, 'spike', 'reward/overall');
    await p.frames(3);
    const before = await p.page.evaluate(() => JSON.parse(JSON.stringify((globalThis as any).s2tDebug.dashboard.stats)));
    // One point per frame, as a live trainer: a slowly rising noisy value.
    await p.page.evaluate(`(async () => {
      for (let i = 201; i <= 400; i++) {
        const v = 0.2 + i / 2000 + 0.02 * Math.sin(i * 1.7);
        window.__deliverRaw({ method: 'dashboard/columns', params: { run: ${JSON.stringify(stagedRun.key)}, stages: ['visual'], stageRows: [1], step: [i], x: [i], time: [0], metrics: { 'reward/overall': { v: [v] } } } });
        await new Promise((r) => requestAnimationFrame(r));
      }
      await new Promise((r) => requestAnimationFrame(r));
    })()`);
    const after = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.stats);
    const redraws = after.updates.reward - before.updates.reward;
    const layouts = after.layouts.reward - before.layouts.reward;
    assert.ok(redraws >= 150, `redrawn per frame: ${redraws}`);
    // x doubles (200 → 400): a re-layout each 5 % of growth is ~15; y rises by ~0.1 over a 0.04 range at first.
    assert.ok(layouts <= 30, `re-laid out ${layouts} times for ${redraws} redraws`);
    const info = await chartInfo(p, 'reward');
    assert.ok(info.x[0] === 1 && info.x[1] >= 400 && info.x[1] <= 400 * 1.05 + 1, `x follows the data: ${info.x}`);
    const y = await p.page.evaluate(() => { const s = (globalThis as any).s2tDebug.dashboard.store.runs.get('/ws/runs/demo/staged').metrics.get('reward/overall'); let lo = Infinity, hi = -Infinity; for (let i = 0; i < s.n; i++) { lo = Math.min(lo, s.y[i], s.smooth[i]); hi = Math.max(hi, s.y[i], s.smooth[i]); } return [lo, hi]; });
    assert.ok(info.y[0] <= y[0] && info.y[1] >= y[1], `y holds every value drawn: axis ${info.y}, data ${y}`);
    assert.ok(info.y[1] - info.y[0] <= (y[1] - y[0]) * 1.5, `y is not much looser than the data: axis ${info.y}, data ${y}`);
  });

  it('redraws only charts on screen: one scrolled out of view catches up when it comes back', async () => {
    const p = await open({ height: 700 });
    // A chart in every family, so the grid is five rows deep and the last one (throughput) below the fold.
    await deliverSeries(p, '/r/a', 500, 'ramp', ['reward/overall', 'val/accuracy', 'response_length/mean', 'actor/kl_loss', 'actor/entropy', 'actor/pg_loss',
      'actor/pg_clipfrac', 'actor/grad_norm', 'actor/lr', 'perf/throughput']);
    await p.frames(3);
    const updates = () => p.page.evaluate(() => ({ ...(globalThis as any).s2tDebug.dashboard.stats.updates }));
    const before = await updates();
    assert.equal(before.throughput, undefined, 'the throughput chart (last in the grid) is below the fold: never drawn');
    await p.deliver(columns('/r/a', [{ stage: 's', step: 501, global_step: 501, time: 0, 'reward/overall': 1, 'perf/throughput': 9 }]));
    await p.frames(3);
    const after = await updates();
    assert.equal(after.reward, before.reward + 1);
    assert.equal(after.throughput, undefined, 'still not drawn while off screen');
    await p.page.locator('[data-card="throughput"]').scrollIntoViewIfNeeded();
    await p.frames(4);
    assert.equal((await updates()).throughput, 1, 'drawn once when scrolled into view');
    const x = (await chartInfo(p, 'throughput')).x;
    assert.ok(x[0] === 1 && x[1] >= 501 && x[1] <= 501 + 0.05 * 500, `with every point that arrived meanwhile: ${x}`);
    assert.deepEqual(await p.page.evaluate(() => { const b = (globalThis as any).s2tDebug.dashboard.cards.get('throughput').drawn(0); return b.x[b.n - 1]; }), 501);
  });

  it('zooms by drag and ctrl+wheel, pans by shift+drag on one chart, all charts follow; double-click resets to the data', async () => {
    const p = await open();
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun] } });
    await deliverSeries(p, stagedRun.key, 930, 'ramp', ['reward/overall', 'response_length/mean']);
    await p.frames(3);
    const info = await chartInfo(p, 'reward');
    const box = (await p.page.locator('[data-card="reward"] canvas').boundingBox())!;
    const y = box.y + (info.area.top + info.area.bottom) / 2;
    const w = info.area.right - info.area.left;
    await p.page.mouse.move(box.x + info.area.left + w * 0.25, y);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + info.area.left + w * 0.4, y, { steps: 4 });
    await p.page.mouse.move(box.x + info.area.left + w * 0.5, y, { steps: 4 });
    await p.page.mouse.up();
    await p.frames(3);
    const zoomed = (await chartInfo(p, 'reward')).x;
    const expectLo = 1 + 929 * 0.25;
    const expectHi = 1 + 929 * 0.5;
    assert.ok(Math.abs(zoomed[0] - expectLo) < 10 && Math.abs(zoomed[1] - expectHi) < 10, `drag-zoomed to ${zoomed}`);
    assert.deepEqual((await chartInfo(p, 'length')).x, zoomed, 'the other chart follows');
    const saved = await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')).xRange);
    assert.deepEqual(saved, zoomed, 'zoom saved as state');

    await p.page.keyboard.down('Control');
    await p.page.mouse.move(box.x + info.area.left + w / 2, y);
    await p.page.mouse.wheel(0, -100);
    await p.page.keyboard.up('Control');
    await p.frames(3);
    const wheeled = (await chartInfo(p, 'reward')).x;
    assert.ok(wheeled[1] - wheeled[0] < zoomed[1] - zoomed[0], `ctrl+wheel zoomed in: ${wheeled}`);

    // Shift+drag pans (chartjs-plugin-zoom through hammer.js): dragging right shows earlier steps.
    await p.page.keyboard.down('Shift');
    await p.page.mouse.move(box.x + info.area.left + w * 0.3, y);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + info.area.left + w * 0.45, y, { steps: 8 });
    await p.page.mouse.move(box.x + info.area.left + w * 0.6, y, { steps: 8 });
    await p.page.mouse.up();
    await p.page.keyboard.up('Shift');
    await p.frames(3);
    const panned = (await chartInfo(p, 'reward')).x;
    assert.ok(panned[0] < wheeled[0] - 5, `panned left: ${wheeled} → ${panned}`);
    assert.ok(Math.abs((panned[1] - panned[0]) - (wheeled[1] - wheeled[0])) < 1e-6 * wheeled[1], 'same width');
    assert.deepEqual((await chartInfo(p, 'length')).x, panned, 'the other chart follows the pan');

    await p.page.mouse.dblclick(box.x + info.area.left + w / 2, y);
    await p.frames(3);
    assert.deepEqual((await chartInfo(p, 'reward')).x, [1, 930], 'reset to the data');
    assert.deepEqual((await chartInfo(p, 'length')).x, [1, 930]);
  });

  it('toggles a series from the legend (state saved) and shows a tooltip from its own hit-testing', async () => {
    const p = await open();
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
    await setSmoothing(p, 0);
    for (const r of [stagedRun, mergedRun]) await deliverSeries(p, r.key, 930, 'ramp', 'reward/overall');
    await p.frames(3);
    const info = await chartInfo(p, 'reward');
    const mid = await xPixel(p, 'reward', 465);
    const colours = async () => column(p, 'reward', Math.round(mid), info.area.top, info.area.bottom);
    assert.ok((await colours()).some((c) => dist(c, DARK.orange) < 60), 'merged drawn (orange)');
    const hit = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('reward').chart.legend.legendHitBoxes[1]);
    const box = (await p.page.locator('[data-card="reward"] canvas').boundingBox())!;
    await p.page.mouse.click(box.x + hit.left + hit.width / 2, box.y + hit.top + hit.height / 2);
    await p.frames(3);
    assert.equal((await colours()).some((c) => dist(c, DARK.orange) < 60), false, 'merged hidden');
    assert.ok((await colours()).some((c) => dist(c, DARK.blue) < 60), 'staged still drawn');
    const state = await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')));
    assert.deepEqual(state.hidden, [`${mergedRun.key}\nreward/overall`]);

    await p.page.mouse.move(box.x + mid, box.y + (await yPixel(p, 'reward', 465 / 930)));
    const tip = p.page.locator('[data-card="reward"] .tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = await tip.innerText();
    // Mouse events land on whole pixels (~2 steps each here): the nearest step to that pixel, its value.
    const step = Number(/^step (\d+)/.exec(text)?.[1]);
    assert.ok(Math.abs(step - 465) <= 2, text);
    assert.match(text, new RegExp(`staged · reward/overall\\s*${String(+(step / 930).toPrecision(5)).replace('.', '\\.')}\\b`));
    assert.doesNotMatch(text, /merged/, 'hidden series not in the tooltip');
  });

  it('exports PNG and CSV as messages the host validator accepts', async () => {
    const p = await open();
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun] } });
    await deliverSeries(p, stagedRun.key, 930, 'ramp', 'reward/overall', [['perception', 0], ['textual', 90], ['visual', 465]]);
    await p.frames(3);
    await p.page.click('[data-card="reward"] vscode-toolbar-button[label="Export PNG"]');
    await p.page.click('[data-action="export-csv"]');
    const [png] = await p.posted('export/png');
    const [csv] = await p.posted('export/csv');
    assert.ok(parseWebviewMessage(png) && parseWebviewMessage(csv), 'both pass parseWebviewMessage');
    assert.equal(png.params.fileName, 'reward.png');
    const bytes = Buffer.from(String(png.params.dataUrl).split(',')[1], 'base64');
    assert.deepEqual([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
    const lines = String(csv.params.csv).trimEnd().split('\r\n');
    assert.equal(csv.params.fileName, 'all.csv');
    assert.equal(lines.length, 931);
    assert.match(lines[0], /^run,stage,step,global_step,time,reward\/overall,/);
    assert.equal(lines[91].split(',').slice(0, 4).join(','), 'staged,textual,1,91');
  });

  it("shows the paper's response-length figure for two runs in one click, stage lines of the staged run", async () => {
    const p = await open({ height: 900 });
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
    await p.page.evaluate(([a, b]) => {
      for (const [key, base, staged] of [[a, 450, true], [b, 580, false]] as const) {
        const x = Array.from({ length: 930 }, (_, i) => i + 1);
        const stages = staged ? { stages: ['perception', 'textual', 'visual'], stageRows: [90, 375, 465] } : { stages: ['merged'], stageRows: [930] };
        const v = x.map((s) => base + 120 * Math.exp(-s / 300) + 15 * Math.sin(s / 9));
        (globalThis as any).__deliver({ method: 'dashboard/columns', params: { run: key, ...stages, step: x, x, time: x.map((s) => 1.7e9 + s), metrics: { 'response_length/mean': { v } } } });
      }
    }, [stagedRun.key, mergedRun.key] as const);
    await p.page.click('[data-action="layout-paper"]');
    await p.frames(4);
    assert.equal(await p.page.locator('#app.layout-paper').count(), 1);
    assert.equal(await p.page.locator('.card-title').filter({ visible: true }).count(), 1, 'one chart shown');
    assert.equal(await p.page.locator('[data-card="length"] .card-title').innerText(), 'Response length — staged vs merged');
    const info = await chartInfo(p, 'length');
    assert.ok(info.area.right - info.area.left > 800, 'a large chart');
    const expected = over(DARK.blue, 0.85, DARK.bg);
    for (const boundary of [90, 465]) {
      const rows = await column(p, 'length', Math.round(await xPixel(p, 'length', boundary)), info.area.top + 30, info.area.bottom - 2);
      assert.ok(rows.filter((c) => dist(c, expected) < 30).length > rows.length * 0.3, `staged boundary at ${boundary}`);
    }
    assert.deepEqual(await p.posted('dashboard/pick-runs'), [], 'two runs: no need to pick more');
    await p.page.screenshot({ path: join(shots, 'dashboard-paper-figure.png') });
  });

  it('shows the layout the host asks for (Compare Runs) and keeps it as its state; a bad layout is ignored', async () => {
    const p = await open();
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
    for (const r of [stagedRun, mergedRun]) await deliverSeries(p, r.key, 100, 'ramp', 'response_length/mean');
    await p.deliver({ method: 'dashboard/layout', params: { layout: 'nonsense' } });
    await p.frames(2);
    assert.equal(await p.page.locator('#app.layout-paper').count(), 0, 'unknown layout ignored');
    await p.deliver({ method: 'dashboard/layout', params: { layout: 'paper' } });
    await p.frames(2);
    assert.equal(await p.page.locator('#app.layout-paper').count(), 1);
    assert.equal(await p.page.locator('[data-card="length"] .card-title').innerText(), 'Response length — staged vs merged');
    assert.deepEqual(await p.posted('dashboard/pick-runs'), [], 'two runs: nothing to pick');
    assert.equal(await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')).layout), 'paper', 'saved for a hidden panel');
    await p.page.waitForFunction(() => (globalThis as any).__posted.some((m: any) => m.method === 'state' && m.params.state.layout === 'paper'));
    const [state] = (await p.posted('state')).slice(-1);
    assert.ok(parseWebviewMessage(state), 'mirrored to the host (which reports it as the page layout)');
  });

  it('the paper layout with one run asks the host to pick a second', async () => {
    const p = await open();
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun] } });
    await p.page.click('[data-action="layout-paper"]');
    assert.equal((await p.posted('dashboard/pick-runs')).length, 1);
  });

  it('restores layout, smoothing, zoom, log scale and hidden series when the panel comes back, or from the host', async () => {
    const p = await open();
    const feed = async (q: PanelPage) => {
      await q.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
      await deliverSeries(q, stagedRun.key, 930, 'ramp', ['actor/kl_loss', 'reward/overall']);
      await deliverSeries(q, mergedRun.key, 930, 'ramp', 'actor/kl_loss');
      await q.frames(3);
    };
    await feed(p);
    await setSmoothing(p, 0.25);
    await p.page.click('[data-card="kl"] vscode-checkbox');
    const box = (await p.page.locator('[data-card="kl"] canvas').boundingBox())!;
    const info = await chartInfo(p, 'kl');
    const y = box.y + (info.area.top + info.area.bottom) / 2;
    await p.page.mouse.move(box.x + info.area.left + 100, y);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + info.area.left + 200, y, { steps: 5 });
    await p.page.mouse.up();
    await p.frames(3);
    const zoomed = (await chartInfo(p, 'kl')).x;
    const legend = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('kl').chart.legend.legendHitBoxes[1]);
    await p.page.mouse.click(box.x + legend.left + legend.width / 2, box.y + legend.top + legend.height / 2);
    await p.page.click('[data-action="layout-paper"]');
    await p.page.click('[data-action="layout-all"]');
    const saved = await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')));

    // Hidden → shown: VS Code tears the page down and keeps getState(); a reload plays that.
    await p.page.reload();
    await p.page.waitForFunction(() => (globalThis as any).__posted.some((m: { method: string }) => m.method === 'ready'));
    const q = wrap(p.page, p.consoleErrors);
    suite.panels[0] = q;
    await feed(q);
    assert.equal(await q.page.locator('input.smoothing').inputValue(), '0.25');
    const restored = await chartInfo(q, 'kl');
    assert.equal(restored.yType, 'logarithmic');
    assert.deepEqual(restored.x, zoomed);
    assert.deepEqual((await chartInfo(q, 'reward')).x, zoomed, 'shared zoom');
    const visible = await q.page.evaluate(() => [0, 1].map((i) => (globalThis as any).s2tDebug.dashboard.cards.get('kl').chart.isDatasetVisible(i)));
    assert.deepEqual(visible, [true, false], 'the merged series stays hidden');

    // After a window reload the page has no state of its own; the host sends what it was given.
    const r = await open();
    await r.deliver({ method: 'init', params: { panel: 'dashboard', state: { ...saved, layout: 'paper' } } });
    await feed(r);
    assert.equal(await r.page.locator('#app.layout-paper').count(), 1);
    assert.equal(await r.page.locator('input.smoothing').inputValue(), '0.25');
    const posted = await r.posted('state');
    assert.equal(posted.length, 0, 'adopting host state does not echo it back');
  });

  it('shows hostile labels and messages as text and survives malformed deltas', async () => {
    const p = await open();
    const evil = '<img src=x onerror="window.__pwned=1">';
    await p.deliver({ method: 'dashboard/runs', params: { runs: [{ ...stagedRun, label: evil, stages: [{ ...stagedRun.stages[0], id: evil }] }, null, { key: 3 }] } });
    await p.deliver({ method: 'dashboard/columns', params: { run: stagedRun.key, stages: [evil, null], stageRows: [2, 'x'], step: [1, 2, 3], x: [2, 'a', 3], time: 'no',
      metrics: { 'reward/overall': { v: ['NaN', 7, 0.5] }, [evil]: { rows: [0], v: [1] }, 'reward/format': { v: [null] }, 'actor/kl_loss': null } } });
    await p.deliver({ method: 'dashboard/columns', params: { run: stagedRun.key, x: 'not an array' } });
    await p.deliver({ method: 'dashboard/columns', params: { run: 7, x: [1] } });
    await p.deliver({ method: 'dashboard/columns', params: null });
    await p.deliver({ method: 'error', params: { message: evil } });
    await p.deliver({ method: 'no/such-method', params: {} });
    await p.frames(3);
    assert.equal(await p.page.locator('img').count(), 0, 'no element injected');
    assert.equal(await p.page.evaluate(() => (globalThis as any).__pwned), undefined);
    assert.equal(await p.page.locator('.error').innerText(), evil);
    const title = await p.page.evaluate((id) => [...(globalThis as any).document.querySelectorAll('[data-card]')].find((c: any) => c.dataset.card === id)?.querySelector('.card-title')?.textContent, `metric:${evil}`);
    assert.equal(title, evil, 'an unknown metric gets its own card, titled as text');
    assert.equal((await chartInfo(p, 'reward')).x[1], 3);
    assert.equal((await p.posted('log')).filter((m) => m.params.level === 'warn').length, 1, 'the params-less message was reported');
  });

  // ------------------------------------------------------------------ seed groups (experiment arms)

  /** Two arms × three seeds of reward/overall, constant per seed; the shorter seeds end where noted. */
  async function deliverArms(p: PanelPage, arms: { arm: string; values: number[]; lengths: number[] }[]) {
    const runs: RunInfo[] = [];
    for (const a of arms) a.values.forEach((_, k) => runs.push({ key: `/ws/runs/${a.arm}/seed${k + 1}`, label: `${a.arm}/seed${k + 1}`, recipe: a.arm, runId: `seed${k + 1}`,
      group: { experiment: 'exp', arm: a.arm, seed: k + 1 }, stages: [{ id: 'rl', kind: 'merged', state: 'succeeded', totalSteps: 100, globalOffset: 0 }] }));
    await p.deliver({ method: 'dashboard/runs', params: { runs } });
    for (const a of arms) {
      for (let k = 0; k < a.values.length; k++) {
        const points: MetricPoint[] = Array.from({ length: a.lengths[k] }, (_, i) => ({ stage: 'rl', step: i + 1, global_step: i + 1, time: 0, 'reward/overall': a.values[k] }));
        await p.deliver(columns(`/ws/runs/${a.arm}/seed${k + 1}`, points));
      }
    }
    await p.frames(3);
    return runs;
  }
  const bandColour = (c: RGBA) => over(c, 0.22, DARK.bg);
  /** Whether the card's canvas shows `colour` (within 12) at step x, value y. */
  const at = async (p: PanelPage, card: string, x: number, y: number, colour: RGBA) => {
    const px = Math.round(await xPixel(p, card, x));
    const py = Math.round(await yPixel(p, card, y));
    return (await column(p, card, px, py - 1, py + 2)).some((c) => dist(c, colour) < 12);
  };

  it('draws each experiment arm as a mean line with a band; the toolbar switches ± std / min–max / each run', async () => {
    const p = await open();
    await setSmoothing(p, 0);
    // staged: seeds at 0.2, 0.3, 0.7 (mean 0.4; min–max 0.2…0.7; sample sd √0.07 = 0.265 → 0.135…0.665), all 100 steps.
    // merged: seeds at 0.85, 0.9, 0.95, the last two ending at step 50: past it one seed, no band.
    await deliverArms(p, [{ arm: 'staged', values: [0.2, 0.3, 0.7], lengths: [100, 100, 100] }, { arm: 'merged', values: [0.85, 0.9, 0.95], lengths: [100, 50, 50] }]);
    assert.equal(await p.page.locator('.seeds-group').isVisible(), true, 'the seed control shows for grouped runs');
    const legend = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('reward').chart.data.datasets.map((d: any) => d.label));
    assert.deepEqual(legend, ['staged (3 seeds) · reward/overall', 'merged (3 seeds) · reward/overall'], 'one legend entry per arm');
    const sd = Math.sqrt(0.07);
    // Default ± std (columns off the grid lines): the band's fill between 0.4 ± sd, the mean line at 0.4, nothing past the band.
    assert.ok(await at(p, 'reward', 33, 0.4 + sd * 0.6, bandColour(DARK.blue)), 'band fill inside ± std');
    assert.ok(await at(p, 'reward', 33, 0.4 - sd * 0.6, bandColour(DARK.blue)), 'band fill inside ± std (below the mean)');
    assert.equal(await at(p, 'reward', 33, 0.69, bandColour(DARK.blue)), false, 'no fill past mean + sd');
    const mean = await column(p, 'reward', Math.round(await xPixel(p, 'reward', 33)), Math.round(await yPixel(p, 'reward', 0.4)) - 2, Math.round(await yPixel(p, 'reward', 0.4)) + 3);
    assert.ok(mean.some((c) => dist(c, DARK.blue) < 40), 'the mean line at 0.4');
    // Geometry: the outline drawn is the band's values (per pixel column extremes).
    const outline = async (i: number) => p.page.evaluate((k) => {
      const d = (globalThis as any).s2tDebug;
      const o = d.drawnBands(d.dashboard.cards.get('reward').chart).get(k);
      return o ? { n: o.n, x: [...o.x.subarray(0, o.n)], lo: [...o.lo.subarray(0, o.n)], hi: [...o.hi.subarray(0, o.n)] } : undefined;
    }, i);
    const std = (await outline(0))!;
    assert.ok(std.lo.every((v) => Math.abs(v - (0.4 - sd)) < 1e-9) && std.hi.every((v) => Math.abs(v - (0.4 + sd)) < 1e-9), 'staged band = mean ± sample sd');
    // merged: band only where ≥ 2 seeds have data (steps 1…50).
    const merged = (await outline(1))!;
    assert.equal(Math.max(...merged.x.filter(Number.isFinite)), 50, `merged band ends with its second seed: ${merged.x.slice(-3)}`);
    assert.ok(await at(p, 'reward', 23, 0.9 + 0.03, bandColour(DARK.orange)), 'merged band where three seeds run');
    assert.equal(await at(p, 'reward', 77, 0.85 + 0.03, bandColour(DARK.orange)), false, 'no merged band past step 50');
    const info = await chartInfo(p, 'reward');
    assert.ok(info.y[0] <= 0.4 - sd && info.y[1] >= 0.95, `the y axis holds the bands: ${info.y}`);
    await p.page.screenshot({ path: join(shots, 'dashboard-seed-bands.png') });

    // The tooltip says how many seeds the mean is over, and that there is no band past step 50.
    const box = (await p.page.locator('[data-card="reward"] canvas').boundingBox())!;
    await p.page.mouse.move(box.x + (await xPixel(p, 'reward', 77)), box.y + (await yPixel(p, 'reward', 0.85)));
    const tip = p.page.locator('[data-card="reward"] .tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /merged \(3 seeds\) · reward\/overall\s*0\.85[\s\S]*1 of 3 seeds: no band here \(fewer than 2 seeds have data\)/);
    assert.match(await tip.innerText(), /staged \(3 seeds\)[^\n]*\s*0\.4[\s\S]*3 of 3 seeds · ± std 0\.13542 … 0\.66458/);

    // min–max: the band widens to 0.2…0.7 (0.69 is inside now, the std edge 0.15 is not).
    await p.page.click('[data-action="seeds-minmax"]');
    await p.frames(3);
    assert.ok(await at(p, 'reward', 33, 0.69, bandColour(DARK.blue)), 'min–max band reaches the highest seed');
    assert.equal(await at(p, 'reward', 33, 0.15, bandColour(DARK.blue)), false, 'and not below the lowest');
    const mm = (await outline(0))!;
    assert.ok(mm.lo.every((v) => v === 0.2) && mm.hi.every((v) => v === 0.7), 'staged band = min…max');
    assert.equal(await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')).seeds), 'minmax', 'saved');

    // Hiding an arm from the legend hides its band too.
    const hit = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('reward').chart.legend.legendHitBoxes[0]);
    await p.page.mouse.click(box.x + hit.left + hit.width / 2, box.y + hit.top + hit.height / 2);
    await p.frames(3);
    assert.equal(await at(p, 'reward', 33, 0.6, bandColour(DARK.blue)), false, 'hidden arm: no band');
    await p.page.mouse.click(box.x + hit.left + hit.width / 2, box.y + hit.top + hit.height / 2);
    await p.frames(3);

    // Each run: six lines, no bands.
    await p.page.click('[data-action="seeds-off"]');
    await p.frames(3);
    const lines = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('reward').chart.data.datasets.length);
    assert.equal(lines, 6);
    assert.equal(await outline(0), undefined, 'no band drawn');
    assert.equal(await at(p, 'reward', 33, 0.5, bandColour(DARK.blue)), false);
  });

  it('stage labels of two runs never overlap: a shared stage is written once, a shared boundary shows both colours', async () => {
    for (const width of [1000, 560]) {
      const p = await open({ width, height: 900 });
      const st = (id: string, off: number, n: number) => ({ id, kind: id, state: 'succeeded' as const, totalSteps: n, globalOffset: off });
      // The examples' shape: both warm up for 600 steps, then staged has three 40-step stages, merged one of 120.
      const staged: RunInfo = { key: '/ws/runs/staged/a', label: 'staged/a', recipe: 'staged', runId: 'a', stages: [st('warmup', 0, 600), st('perception', 600, 40), st('textual', 640, 40), st('visual', 680, 40)] };
      const merged: RunInfo = { key: '/ws/runs/merged/b', label: 'merged/b', recipe: 'merged', runId: 'b', stages: [st('warmup', 0, 600), st('merged', 600, 120)] };
      await p.deliver({ method: 'dashboard/runs', params: { runs: [staged, merged] } });
      await deliverSeries(p, staged.key, 720, 'ramp', 'response_length/mean', [['warmup', 0], ['perception', 600], ['textual', 640], ['visual', 680]]);
      await deliverSeries(p, merged.key, 720, 'ramp', 'response_length/mean', [['warmup', 0], ['merged', 600]]);
      await p.page.click('[data-action="layout-paper"]');
      await p.frames(4);
      const labels: { text: string; stage: string; runs: string[]; left: number; top: number; width: number; height: number }[] = await p.page.evaluate(() => {
        const d = (globalThis as any).s2tDebug;
        return d.stageLabels(d.dashboard.cards.get('length').chart);
      });
      const names = labels.map((l) => l.stage);
      assert.equal(names.filter((n) => n === 'warmup').length, 1, `the shared warm-up is labelled once: ${names}`);
      assert.deepEqual(labels.find((l) => l.stage === 'warmup')!.runs, [staged.key, merged.key]);
      assert.ok(names.includes('merged'), names.join());
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i], labels[j]];
        const apart = a.left + a.width <= b.left || b.left + b.width <= a.left || a.top + a.height <= b.top || b.top + b.height <= a.top;
        assert.ok(apart, `width ${width}: '${a.text}' ${JSON.stringify(a)} overlaps '${b.text}' ${JSON.stringify(b)}`);
      }
      // Each label box holds its text: pixels there that are not the background.
      for (const l of labels) {
        const ink = (await Promise.all([0.25, 0.5, 0.75].map((f) => column(p, 'length', l.left + l.width * f, l.top, l.top + l.height)))).flat().filter((c) => dist(c, DARK.bg) > 60).length;
        assert.ok(ink > 0, `'${l.text}' is drawn in its box`);
      }
      // The boundary at 600 belongs to both runs: its column shows both colours (85 % over the background).
      const info = await chartInfo(p, 'length');
      const bx = Math.round(await xPixel(p, 'length', 600));
      const rows = await column(p, 'length', bx, info.area.top + 40, info.area.bottom - 2);
      const blue = rows.filter((c) => dist(c, over(DARK.blue, 0.85, DARK.bg)) < 30).length;
      const orange = rows.filter((c) => dist(c, over(DARK.orange, 0.85, DARK.bg)) < 30).length;
      assert.ok(blue > rows.length * 0.15 && orange > rows.length * 0.15, `width ${width}: both runs' boundary at 600 (blue ${blue}, orange ${orange} of ${rows.length})`);
      await p.page.screenshot({ path: join(shots, `dashboard-stage-labels-${width}.png`) });
    }
  });

  it('shows the config differences the host sends as a table (text only); a diff button asks the host for the diff editor', async () => {
    const p = await open();
    const evil = '<img src=x onerror="window.__pwned=1">';
    await p.deliver({ method: 'dashboard/runs', params: { runs: [stagedRun, mergedRun] } });
    await deliverSeries(p, stagedRun.key, 10, 'ramp', 'reward/overall');
    const rows = [{ key: 'name', values: ['staged', 'merged'] }, { key: 'stages.perception', values: ['perception · 40 steps', null] }, { key: evil, values: [evil, '1'] },
      { key: 'bad row', values: ['only one'] }];
    await p.deliver({ method: 'dashboard/config', params: { runs: [stagedRun.key, mergedRun.key], rows, problems: [{ run: mergedRun.key, message: 'recipe.yaml: no such file' }] } });
    await p.frames(2);
    const section = p.page.locator('[data-section="config"]');
    assert.equal(await section.isVisible(), true);
    assert.equal(await section.locator('summary').innerText(), 'Config: 3 keys differ across 2 runs', 'the malformed row is dropped');
    await section.locator('summary').click();
    const cells = await section.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(cells, [['name', 'staged', 'merged'], ['stages.perception', 'perception · 40 steps', '—'], [evil, evil, '1']]);
    assert.deepEqual(await section.locator('thead .config-run').allInnerTexts(), ['staged', 'merged']);
    assert.equal(await p.page.locator('img').count(), 0, 'no element injected');
    assert.match(await section.locator('.config-problem').innerText(), /^merged: recipe\.yaml: no such file$/);
    await section.locator('[data-diff="1"]').click();
    const [ask] = await p.posted('dashboard/config-diff');
    assert.deepEqual(ask.params, { a: stagedRun.key, b: mergedRun.key });
    assert.ok(parseWebviewMessage(ask), 'the host accepts it');
    await p.page.screenshot({ path: join(shots, 'dashboard-config-table.png') });
    // One run: nothing to compare, the section hides.
    await p.deliver({ method: 'dashboard/config', params: { runs: [stagedRun.key], rows: [], problems: [] } });
    assert.equal(await section.isVisible(), false);
  });
});
