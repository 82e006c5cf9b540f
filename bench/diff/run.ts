// Benchmark: 10 000 prompt pairs with ~500-token traces. Times what the trace diff panel needs before it can
// draw — read and parse both eval files, pair, summarise, build and sort the rows, word-diff the first
// screen — against a naive eager path that word-diffs every pair up front (one-level diffWordsWithSpace).
// Usage: npx tsx bench/diff/run.ts [--pairs N] [--tokens T] [--runs R]. Last line = the headline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffWordsWithSpace } from 'diff';
import { applyDiffView, DEFAULT_DIFF_VIEW } from '../../protocol/compare';
import { loadEvalFile } from '../../trainer/compare/loadEval';
import { compareEvals } from '../../trainer/compare/comparison';
import { formatSummary } from '../../trainer/compare/format';
import { syntheticEvals } from './synthetic';

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
  const total = pick('total');
  console.log(`summary + first screen of ${PAIRS} pairs: ${ms(total)} (goal ≤ 1000 ms) vs naive eager ${ms(baseline)} = ${(baseline / total).toFixed(0)}× faster`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
