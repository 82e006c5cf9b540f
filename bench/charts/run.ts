// Chart benchmark (issue 4 "Scale", issue 13): 10 series × 100 k points in headless Chromium — first draw and per
// update (one point appended to every series) for (u) uPlot, the baseline (the fastest known library for the job:
// one shared x array, per-pixel aggregation in its line paths, so spikes are kept), (a) plain Chart.js with its
// own min-max decimation, the second baseline, and (b) our dashboard path (the real bundle under the panel CSP: messages → metric store → min-max per
// pixel → the series plugin). Both start from the same 'dashboard/columns' messages the host sends (Chart.js's
// side converts them to the {x, y} objects it needs). Medians over cold runs (a fresh browser each, gc() before
// each timed step: first draw = conversion/ingest + draw, each timed after a gc()). Per update ours is timed twice: as a stream (most appends only redraw) and forced to a full
// Chart.js update each time (compared with uPlot, whose setData rescales and redraws every time). Goals: first
// draw and per-append ≤ 0.8× uPlot's, every spike kept; ≤ 300 ms first draw, ≤ 16 ms per update.
// Usage: npx tsx bench/charts/run.ts [--runs 5] [--updates 50] [--points 100000] [--series 10]
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, launchChromium, bundlesBuilt } from '../../test/webview/harness/harness';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 5);
const UPDATES = arg('updates', 50);
const N = arg('points', 100_000);
const SERIES = arg('series', 10);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Same data on both sides: per series a seeded random walk with rare spikes, x = global step 1..n. */
const MAKE_DATA = `globalThis.__series = (n, s) => {
  const out = [];
  for (let k = 0; k < s; k++) {
    let a = 0x9e3779b9 ^ (k * 2654435761), v = 400 + 20 * k;
    const rnd = () => { a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) { v += rnd() - 0.5; ys[i] = rnd() < 0.0001 ? v + 300 : v; }
    out.push(ys);
  }
  return out;
};`;

/** The host's messages, made in the page: per series one 'dashboard/columns' with n rows (as toMetricColumns encodes them). */
const MAKE_MESSAGES = `globalThis.__messages = (n, s) => globalThis.__series(n, s).map((ys, k) => ({ method: 'dashboard/columns', params: { run: '/runs/r' + k,
  stages: ['perception', 'textual', 'visual'], stageRows: [10000, 40000, n - 50000],
  step: Array.from(ys, (_, i) => i + 1), x: Array.from(ys, (_, i) => i + 1), time: Array.from(ys, (_, i) => 1.7e9 + i), metrics: { 'response_length/mean': { v: Array.from(ys) } } } }));`;

/** A page for a baseline: its CSS, the data makers and its bundle (no CSP: these run as plain pages). */
async function plainPage(browser: Browser, css: string, code: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 400 }, deviceScaleFactor: 1 })).newPage();
  await page.setContent('<!DOCTYPE html><html><head></head><body></body></html>');
  await page.addStyleTag({ content: css });
  await page.addScriptTag({ content: MAKE_DATA });
  await page.addScriptTag({ content: MAKE_MESSAGES });
  await page.addScriptTag({ content: code });
  return page;
}

async function baselineRun(browser: Browser, code: string): Promise<{ first: number; convert: number; draw: number; update: number; counts: number[] }> {
  const page = await plainPage(browser, 'body{margin:0}.box{position:relative;width:900px;height:300px}', code);
  // From the same messages as ours: Chart.js needs {x, y} objects per series (the conversion counts), then draws.
  const first = await page.evaluate(([n, s]) => {
    const g = globalThis as any;
    const messages = g.__messages(n, s);
    g.gc();
    const t0 = performance.now();
    const series = messages.map((m: any) => {
      const { x, metrics } = m.params;
      const v = metrics['response_length/mean'].v;
      return x.map((xi: number, i: number) => ({ x: xi, y: v[i] }));
    });
    const convert = performance.now() - t0;
    g.gc(); // the draw is timed on its own (else it pays for collecting the conversion's 1 M objects)
    const draw = g.benchBaseline.firstDraw(series);
    return { convert, draw };
  }, [N, SERIES] as const);
  const updates: number[] = [];
  for (let u = 0; u < UPDATES; u++) {
    updates.push(await page.evaluate(([x, s]) => (globalThis as any).benchBaseline.update(Array.from({ length: s }, (_, k) => ({ x, y: 400 + k }))), [N + 1 + u, SERIES] as const));
  }
  const counts = await page.evaluate(() => (globalThis as any).benchBaseline.counts());
  await page.context().close();
  return { first: first.convert + first.draw, convert: first.convert, draw: first.draw, update: median(updates), counts };
}

/** uPlot from the same messages: one shared x array and each series' values, as arrays it can take directly. */
async function uplotRun(browser: Browser, code: string, css: string): Promise<{ first: number; convert: number; draw: number; update: number; counts: number[]; painted: number }> {
  const page = await plainPage(browser, `body{margin:0}${css}`, code);
  const first = await page.evaluate(([n, s]) => {
    const g = globalThis as any;
    const messages = g.__messages(n, s);
    g.gc();
    const t0 = performance.now();
    const columns = [messages[0].params.x, ...messages.map((m: any) => m.params.metrics['response_length/mean'].v)];
    const convert = performance.now() - t0;
    g.gc();
    const draw = g.benchUplot.firstDraw(columns);
    return { convert, draw };
  }, [N, SERIES] as const);
  const updates: number[] = [];
  for (let u = 0; u < UPDATES; u++) {
    updates.push(await page.evaluate(([x, s]) => (globalThis as any).benchUplot.update(x, Array.from({ length: s }, (_, k) => 400 + k)), [N + 1 + u, SERIES] as const));
  }
  const counts = await page.evaluate(() => (globalThis as any).benchUplot.counts());
  const painted = await page.evaluate(() => (globalThis as any).benchUplot.painted());
  await page.context().close();
  return { first: first.convert + first.draw, convert: first.convert, draw: first.draw, update: median(updates), counts, painted };
}

async function oursRun(browser: Browser, origin: string): Promise<{ first: number; firstIngest: number; firstDraw: number; update: number; streamed: number; relaid: number; downsample: number; lines: number; steps: number[]; canvas: string; spikes: number }> {
  const page: Page = await (await browser.newContext({ viewport: { width: 950, height: 430 }, deviceScaleFactor: 1 })).newPage();
  await page.goto(`${origin}/panel/dashboard.html?theme=dark`);
  await page.waitForFunction(() => (globalThis as any).__posted?.some((m: { method: string }) => m.method === 'ready'));
  await page.evaluate(MAKE_DATA + MAKE_MESSAGES); // through DevTools, not a <script> (the panel CSP would block that)
  // The paper layout (one large chart of response length) with smoothing off, as the host would restore it.
  await page.evaluate(([s]) => {
    const g = globalThis as any;
    g.__deliver({ method: 'init', params: { panel: 'dashboard', state: { v: 1, layout: 'paper', smoothing: 0, xRange: null, log: {}, hidden: [] } } });
    const runs = Array.from({ length: s }, (_, k) => ({ key: `/runs/r${k}`, label: `run ${k}`, recipe: 'bench', runId: `r${k}`, stages: [
      { id: 'perception', kind: 'perception', state: 'succeeded', totalSteps: 10_000, globalOffset: 0 },
      { id: 'textual', kind: 'textual-reasoning', state: 'succeeded', totalSteps: 40_000, globalOffset: 10_000 },
      { id: 'visual', kind: 'visual-reasoning', state: 'running', totalSteps: 50_000, globalOffset: 50_000 }] }));
    g.__deliver({ method: 'dashboard/runs', params: { runs } });
  }, [SERIES] as const);
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const first = await page.evaluate(([n, s]) => {
    const g = globalThis as any;
    const messages = g.__messages(n, s);
    g.gc();
    const t0 = performance.now();
    for (const m of messages) g.__deliverRaw(m);
    const ingest = performance.now() - t0;
    g.gc(); // as on the baseline's side: the draw timed on its own
    const t1 = performance.now();
    g.s2tDebug.dashboard.flush();
    const draw = performance.now() - t1;
    return { total: ingest + draw, ingest, draw };
  }, [N, SERIES] as const);
  // Updates: one point appended to every series, then drawn. First as a stream does it (the axes keep 5 % room
  // past the data, so most appends only redraw), then each forced to a full Chart.js update (as when every
  // append changed the axis limits) — the second is the per-update figure compared with the baseline.
  const updates: number[] = [];
  const streamed: number[] = [];
  let relaid = 0;
  const parts: { downsampleMs: number; linesMs: number }[] = [];
  for (let u = 0; u < 2 * UPDATES; u++) {
    const full = u >= UPDATES;
    const r = await page.evaluate(([x, s, forced]) => {
      const g = globalThis as any;
      const card = g.s2tDebug.dashboard.cards.get('length');
      const layouts = g.s2tDebug.dashboard.stats.layouts['length'] ?? 0;
      if (forced) card.invalidate();
      const t0 = performance.now();
      for (let k = 0; k < s; k++) g.__deliverRaw({ method: 'dashboard/columns', params: { run: `/runs/r${k}`, stages: ['visual'], stageRows: [1], step: [x], x: [x], time: [1.8e9], metrics: { 'response_length/mean': { v: [400 + k] } } } });
      g.s2tDebug.dashboard.flush();
      return { ms: performance.now() - t0, laidOut: (g.s2tDebug.dashboard.stats.layouts['length'] ?? 0) > layouts, ...card.times() };
    }, [N + 1 + u, SERIES, full] as const);
    if (!full) {
      streamed.push(r.ms);
      relaid += r.laidOut ? 1 : 0;
      continue;
    }
    if (!r.laidOut) throw new Error('a forced update did not lay the chart out');
    updates.push(r.ms);
    parts.push(r);
  }
  const info = await page.evaluate(() => {
    const d = (globalThis as any).s2tDebug.dashboard;
    const card = d.cards.get('length');
    const steps = [...d.store.runs.values()].map((r: { n: number }) => r.n);
    // Spikes (random walk + 300) must all be in what was drawn: count series whose drawn max reaches its raw max.
    let spikes = 0;
    card.series.forEach((def: { run: string; metric: string }, i: number) => {
      const s = d.store.runs.get(def.run).metrics.get(def.metric);
      let rawMax = -Infinity;
      for (let j = 0; j < s.n; j++) rawMax = Math.max(rawMax, s.y[j]);
      const st = card.drawn(i);
      let drawnMax = -Infinity;
      for (let j = 0; j < st.n; j++) drawnMax = Math.max(drawnMax, st.y[j]);
      if (drawnMax === rawMax) spikes++;
    });
    return { steps, canvas: `${card.chart.width}×${card.chart.height}`, spikes };
  });
  const violations = await page.evaluate(() => (globalThis as any).__csp.length);
  if (violations) throw new Error(`${violations} CSP violations in the dashboard page`);
  await page.context().close();
  return { first: first.total, firstIngest: first.ingest, firstDraw: first.draw, update: median(updates), streamed: median(streamed), relaid,
    downsample: median(parts.map((p) => p.downsampleMs)), lines: median(parts.map((p) => p.linesMs)), ...info };
}

async function main() {
  if (!bundlesBuilt()) throw new Error('dist/webviews/*.js missing: run `npm run build` first');
  const bundle = async (file: string) => (await esbuild.build({ entryPoints: [join(__dirname, file)], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', minify: true })).outputFiles[0].text;
  const baseline = await bundle('baseline.ts');
  const uplot = await bundle('uplotBaseline.ts');
  const uplotCss = readFileSync(join(dirname(require.resolve('uplot/package.json')), 'dist', 'uPlot.min.css'), 'utf8');
  const up: { first: number; convert: number; draw: number; update: number }[] = [];
  const h = await startHarness();
  const base: { first: number; convert: number; draw: number; update: number }[] = [];
  const ours: { first: number; firstIngest: number; firstDraw: number; update: number; streamed: number; relaid: number; spikes: number }[] = [];
  console.log(`${SERIES} series × ${N.toLocaleString('en-US')} points, ${UPDATES} updates per run, ${RUNS} cold runs (fresh Chromium each)`);
  try {
    for (let r = 0; r < RUNS; r++) {
      const order = ['uplot', 'base', 'ours'];
      for (const which of [...order.slice(r % 3), ...order.slice(0, r % 3)]) {
        // gc() before each timed step: the garbage of building the test data is neither side's cost.
        const browser = await launchChromium(['--js-flags=--expose-gc']);
        try {
          if (which === 'uplot') {
            const u = await uplotRun(browser, uplot, uplotCss);
            if (u.counts.some((c) => c !== N + UPDATES)) throw new Error(`uPlot lost pushes: ${u.counts}`);
            if (u.painted < 1000) throw new Error(`uPlot drew nothing (${u.painted} painted pixels)`);
            up.push(u);
            console.log(`run ${r + 1} uPlot:               first draw ${u.first.toFixed(1)} ms (convert ${u.convert.toFixed(1)} + draw ${u.draw.toFixed(1)}), update median ${u.update.toFixed(2)} ms`);
          } else if (which === 'base') {
            const b = await baselineRun(browser, baseline);
            if (b.counts.some((c) => c !== N + UPDATES)) throw new Error(`baseline lost pushes: ${b.counts}`);
            base.push(b);
            console.log(`run ${r + 1} Chart.js decimation: first draw ${b.first.toFixed(1)} ms (convert ${b.convert.toFixed(1)} + draw ${b.draw.toFixed(1)}), update median ${b.update.toFixed(2)} ms`);
          } else {
            const o = await oursRun(browser, h.origin);
            if (o.steps.some((c) => c !== N + 2 * UPDATES)) throw new Error(`dashboard lost points: ${o.steps}`);
            ours.push(o);
            console.log(`run ${r + 1} ours:                first draw ${o.first.toFixed(1)} ms (ingest ${o.firstIngest.toFixed(1)} + draw ${o.firstDraw.toFixed(1)}), update median ${o.update.toFixed(2)} ms (downsample ${o.downsample.toFixed(2)}, lines ${o.lines.toFixed(2)}; canvas ${o.canvas}, spikes kept ${o.spikes}/${SERIES}); streamed ${o.streamed.toFixed(2)} ms (${o.relaid}/${UPDATES} re-laid out)`);
          }
        } finally {
          await browser.close();
        }
      }
    }
  } finally {
    await h.close();
  }
  const bf = median(base.map((b) => b.first));
  const bu = median(base.map((b) => b.update));
  const uf = median(up.map((u) => u.first));
  const uu = median(up.map((u) => u.update));
  const ud = median(up.map((u) => u.draw));
  const of = median(ours.map((o) => o.first));
  const ou = median(ours.map((o) => o.update));
  const od = median(ours.map((o) => o.firstDraw));
  const os = median(ours.map((o) => o.streamed));
  const bd = median(base.map((b) => b.draw));
  const spikes = Math.min(...ours.map((o) => o.spikes));
  console.log(`\nmedians of ${RUNS} cold runs each (ours / uPlot / Chart.js decimation):`);
  console.log(`first draw, drawing only:           ${od.toFixed(1)} / ${ud.toFixed(1)} / ${bd.toFixed(1)} ms`);
  console.log(`first draw from the host's messages: ${of.toFixed(1)} / ${uf.toFixed(1)} / ${bf.toFixed(1)} ms (goal ≤ 300 ms: ${of <= 300 ? 'met' : 'MISSED'})`);
  console.log(`per append, every update a full re-layout: ${ou.toFixed(2)} / ${uu.toFixed(2)} / ${bu.toFixed(2)} ms (goal ≤ 16 ms: ${ou <= 16 ? 'met' : 'MISSED'}); as streamed (axes keep room) ours ${os.toFixed(2)} ms`);
  console.log(`spikes kept (ours): ${spikes}/${SERIES} in every run`);
  console.log(`ours / uPlot: first draw ${(of / uf).toFixed(2)}× (goal ≤ 0.8), per append ${(ou / uu).toFixed(2)}× (goal ≤ 0.8), every spike kept: ${spikes === SERIES ? 'yes' : 'NO'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
