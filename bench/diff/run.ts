// Benchmark: 10 000 prompt pairs with ~500-token traces. Times what the trace diff panel needs before it can
// draw — read and parse both eval files, pair, summarise, build and sort the rows, word-diff the first
// screen — against a naive eager path that word-diffs every pair up front (one-level diffWordsWithSpace).
// Then the panel's side in headless chromium: 'diff/data' delivered → first screen of rows drawn with their
// word diffs (needs `npm run build`). Usage: npx tsx bench/diff/run.ts [--pairs N] [--tokens T] [--runs R].
// Last line = the headline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffWordsWithSpace } from 'diff';
import { applyDiffView, DEFAULT_DIFF_VIEW } from '../../protocol/diff';
import { loadEvalFile } from '../../core/diff/loadEval';
import { compareEvals } from '../../core/diff/comparison';
import { formatSummary } from '../../core/diff/formatDiff';
import { syntheticEvals } from './synthetic';
import { startHarness, launchChromium, openPanel } from '../../test/webview/harness/harness';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '10000' }, tokens: { type: 'string', default: '500' }, runs: { type: 'string', default: '5' } } });
const PAIRS = Number(values.pairs);
const TOKENS = Number(values.tokens);
const RUNS = Number(values.runs);
/** Rows whose traces the panel shows before any scrolling (viewport + overscan). */
const FIRST_SCREEN = 12;
/** The naive path is timed on every SAMPLE-th pair and scaled up (a full run would take minutes). */
const SAMPLE = 20;

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 's2t-bench-diff-'));
  try {
    const { a, b } = syntheticEvals(PAIRS, TOKENS);
    const fa = join(dir, 'a.jsonl');
    const fb = join(dir, 'b.jsonl');
    writeFileSync(fa, a);
    writeFileSync(fb, b);
    console.log(`${PAIRS} pairs, ~${TOKENS}-token traces; eval files ${(a.length / 2 ** 20).toFixed(1)} + ${(b.length / 2 ** 20).toFixed(1)} MiB`);

    // Ours: everything the panel's first paint needs.
    const ours: { total: number; load: number; compare: number; screen: number }[] = [];
    let printed: string[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const ea = loadEvalFile(fa);
      const eb = loadEvalFile(fb);
      const t1 = performance.now();
      const c = compareEvals(ea, eb);
      const rows = applyDiffView(c.rows, { ...DEFAULT_DIFF_VIEW, sort: 'length-delta' });
      const t2 = performance.now();
      for (const row of rows.slice(0, FIRST_SCREEN)) c.detail(row.id);
      const t3 = performance.now();
      ours.push({ total: t3 - t0, load: t1 - t0, compare: t2 - t1, screen: t3 - t2 });
      printed = formatSummary(c.summary);
    }
    for (const line of printed) console.log(`  ${line}`);
    const pick = (k: keyof (typeof ours)[0]) => median(ours.map((o) => o[k]));
    console.log(`ours (median of ${RUNS}): read+parse ${ms(pick('load'))}, pair+summary+rows+sort ${ms(pick('compare'))}, ` +
      `word diff of the first ${FIRST_SCREEN} rows ${ms(pick('screen'))}; total ${ms(pick('total'))}`);

    // Baseline: the same, but every pair word-diffed eagerly before anything is shown.
    const t0 = performance.now();
    const ea = loadEvalFile(fa);
    const eb = loadEvalFile(fb);
    const c = compareEvals(ea, eb);
    const t1 = performance.now();
    let sampled = 0;
    const rs = c.rows;
    for (let i = 0; i < rs.length; i += SAMPLE) {
      const p = c.pair(rs[i].id)!;
      diffWordsWithSpace(p.a.response, p.b.response);
      sampled++;
    }
    const diffAll = ((performance.now() - t1) / sampled) * rs.length;
    const baseline = t1 - t0 + diffAll;
    console.log(`naive eager: read+parse+summary ${ms(t1 - t0)} + one-level word diff of all ${rs.length} pairs ` +
      `${ms(diffAll)} (timed on ${sampled} pairs, ${(diffAll / rs.length).toFixed(2)} ms/pair, scaled) = ${ms(baseline)}`);
    // The panel: the summary + all rows arrive, the first screen is laid out, the details it asks for arrive
    // and are drawn. Timed inside the page (Playwright's own transfer of megabytes is not what VS Code does:
    // its postMessage hands the page a structured clone, which the JSON.parse here stands in for).
    let drawn = NaN;
    try {
      const h = await startHarness();
      const browser = await launchChromium();
      try {
        const times: number[] = [];
        for (let r = 0; r < Math.min(RUNS, 3); r++) {
          const pp = await openPanel(browser, h, 'diff', { width: 1200, height: 900 });
          await pp.page.evaluate((text) => { (globalThis as any).__data = text; }, JSON.stringify({ method: 'diff/data', params: { summary: c.summary, rows: c.rows } }));
          const inPage = (stage: string) => pp.page.evaluate(`(async () => { const w = globalThis; const t0 = performance.now();
            w.__deliverRaw(JSON.parse(w.${stage})); void document.body.offsetHeight;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); return performance.now() - t0; })()`) as Promise<number>;
          const rowsMs = await inPage('__data');
          const ids = (await pp.posted('diff/details')).flatMap((m) => m.params.ids as string[]);
          const t = performance.now();
          const details = ids.map((id) => c.detail(id));
          const hostMs = performance.now() - t;
          await pp.page.evaluate((text) => { (globalThis as any).__details = text; }, JSON.stringify({ method: 'diff/details', params: { details } }));
          const detailsMs = await inPage('__details');
          const pending = await pp.page.evaluate(() => (globalThis as any).document.querySelectorAll('.row .loading').length);
          if (pending || !ids.length) throw new Error(`first screen not complete (${pending} rows still loading, ${ids.length} asked)`);
          times.push(rowsMs + hostMs + detailsMs);
          if (r === 0) console.log(`panel: ${c.rows.length} rows in → first screen laid out ${ms(rowsMs)}; its ${ids.length} rows' word diffs ${ms(hostMs)} (host); drawn ${ms(detailsMs)}`);
          await pp.page.context().close();
        }
        drawn = median(times);
        console.log(`panel (chromium, median of ${times.length}): ${ms(drawn)}`);
      } finally {
        await browser.close();
        await h.close();
      }
    } catch (err) {
      console.log(`panel timing skipped: ${(err as Error).message.split('\n')[0]}`);
    }
    // With the panel measured, its first screen replaces the host-only one (the word diffs are then of the rows it shows).
    const host = pick('load') + pick('compare');
    const total = Number.isFinite(drawn) ? host + drawn : pick('total');
    const parts = Number.isFinite(drawn) ? ` (read+parse+summary+rows ${ms(host)}, panel's first screen ${ms(drawn)})` : ' (host only)';
    console.log(`summary + first screen of ${PAIRS} pairs: ${ms(total)}${parts} (goal ≤ 1000 ms) vs naive eager ${ms(baseline)} = ${(baseline / total).toFixed(0)}× faster`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
