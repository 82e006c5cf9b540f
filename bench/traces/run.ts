// Trace search benchmark (issue 15 "Performance"): 100 k traces of ~500 English words each in one traces.jsonl; the
// host's index (extension/runs/runTraces.ts + traceQuery.ts) answers a search's first page (50 rows, newest
// first) — p50/p95/max over a mix of frequent, mid-frequency, rare and absent words and phrases — against
// the same-run baseline of a naive full read, parse and filter (what the panel did before). Also: index
// build time and memory, the first page of a fresh index, and search + sort by reward (a full scan).
// Usage: flock /tmp/s2t-heavy.lock npx tsx bench/traces/run.ts [--traces 100000] [--tokens 500]
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { TraceRecord } from '../../protocol/runRecords';
import type { TraceQuery } from '../../protocol/traces';
import { RunTraces } from '../../extension/runs/runTraces';
import { TraceResultSet } from '../../extension/runs/traceQuery';
import { Rng } from '../../trainer/util/rng';
import { vocabulary, writeSyntheticTraces } from './synthetic';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('traces', 100_000);
const TOKENS = arg('tokens', 500);
const PAGE = 50;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f1 = (v: number) => v.toFixed(1);
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

/** Time to the first page of a query on the index: the scan until PAGE rows (or the end), then reading them. */
async function firstPage(traces: RunTraces, query: TraceQuery): Promise<{ ms: number; rows: number; total: number; done: boolean }> {
  const t0 = performance.now();
  const r = new TraceResultSet(traces, query);
  const running = r.run();
  await r.until(PAGE);
  const refs: number[] = [];
  for (let p = 0; p < Math.min(PAGE, r.total); p++) refs.push(r.refAt(p)!);
  const recs = await traces.records(refs);
  const ms = performance.now() - t0;
  const out = { ms, rows: recs.filter(Boolean).length, total: r.total, done: r.done };
  r.cancel();
  await running;
  return out;
}

/** The baseline: read the whole file, parse every line, keep the matches, newest first, take the first page. */
function naive(path: string, search: string): { ms: number; rows: number } {
  const t0 = performance.now();
  const q = search.toLowerCase();
  const lines = readFileSync(path, 'utf8').split('\n');
  const hits: TraceRecord[] = [];
  for (const line of lines) {
    if (!line) continue;
    const r = parseJsonLoose(line) as TraceRecord;
    if (r.prompt.toLowerCase().includes(q) || r.responses.some((x) => x.text.toLowerCase().includes(q))) hits.push(r);
  }
  const page = hits.reverse().slice(0, PAGE);
  return { ms: performance.now() - t0, rows: page.length };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 's2t-bench-traces-'));
  try {
    writeFileSync(join(dir, 'bench.recipe.yaml'), 'name: bench\nstages:\n  - id: textual\n    kind: textual-reasoning\n    steps: 100000\n');
    const run = createRun({ recipeFile: join(dir, 'bench.recipe.yaml'), runsDir: join(dir, 'runs'), runId: 'r1' });
    const file = join(run.runDir, 'stages/textual/traces.jsonl');
    let t = performance.now();
    writeSyntheticTraces(file, { n: N, tokens: TOKENS });
    const size = statSync(file).size;
    console.log(`traces.jsonl: ${N} traces × ~${TOKENS} words, ${mb(size)} (written in ${f1((performance.now() - t) / 1000)} s); Node ${process.version}`);

    const { words: vocab, counts, source } = vocabulary();
    console.log(`words: ${source}`);
    const rng = new Rng(3);
    const queries: { kind: string; q: string }[] = [];
    // Frequent: the top 30; mid: seen 20–200 times in the READMEs; rare: seen once or twice.
    const band = (lo: number, hi: number) => vocab.filter((_, i) => counts[i] >= lo && counts[i] <= hi);
    const [mid, rare] = [band(20, 200), band(1, 2)];
    for (let i = 0; i < 8; i++) queries.push({ kind: 'frequent word', q: vocab[rng.int(0, 29)] });
    for (let i = 0; i < 8; i++) queries.push({ kind: 'mid word', q: rng.pick(mid) });
    for (let i = 0; i < 8; i++) queries.push({ kind: 'rare word', q: rng.pick(rare) });
    for (let i = 0; i < 6; i++) queries.push({ kind: 'two words', q: `${vocab[rng.int(0, 200)]} ${vocab[rng.int(0, 200)]}` });
    for (let i = 0; i < 6; i++) queries.push({ kind: 'absent', q: `zq${rng.int(100, 999)}x` });
    for (let i = 0; i < 4; i++) queries.push({ kind: 'answer', q: `boxed{${rng.int(0, 12)}}` });
    queries.forEach((x, i) => { if (i % 3 === 0) x.q = x.q.toUpperCase(); }); // case-insensitive

    // A fresh index: pass 1 (line offsets) only; the first page parses just the lines it shows.
    let traces = new RunTraces(run.runDir, ['textual']);
    t = performance.now();
    await traces.refresh();
    const pass1 = performance.now() - t;
    const fresh = await firstPage(traces, { filter: {}, sort: 'time', descending: true });
    const freshSearch = await firstPage(traces, { filter: {}, sort: 'time', descending: true, search: queries[0].q });
    t = performance.now();
    const f = traces.files[0];
    await f.ensureMeta(f.base, f.count);
    const pass2 = performance.now() - t;
    console.log(`index: line offsets ${f1(pass1)} ms, then every line parsed ${f1(pass2)} ms; held ${mb(traces.heldBytes())} for ${f.count} lines (${f1(traces.heldBytes() / f.count)} B/trace)`);
    console.log(`fresh index (offsets only): first page ${f1(fresh.ms)} ms, first page of a search ${f1(freshSearch.ms)} ms`);

    const times: number[] = [];
    const byKind = new Map<string, number[]>();
    for (const { kind, q } of queries) {
      const r = await firstPage(traces, { filter: {}, sort: 'time', descending: true, search: q });
      times.push(r.ms);
      byKind.set(kind, [...(byKind.get(kind) ?? []), r.ms]);
      if (process.env.S2T_BENCH_DEBUG) console.log(`  ${kind.padEnd(13)} ${JSON.stringify(q).padEnd(22)} ${f1(r.ms).padStart(7)} ms  ${r.rows} rows${r.done ? `, ${r.total} in all` : ''}`);
    }
    for (const [kind, xs] of byKind) console.log(`  ${kind.padEnd(13)} first page median ${f1(pct(xs, 50))} ms, max ${f1(Math.max(...xs))} ms (${xs.length} queries)`);
    const sorted: number[] = [];
    for (const { q } of queries.slice(0, 12)) sorted.push((await firstPage(traces, { filter: {}, sort: 'reward', descending: true, search: q })).ms);
    console.log(`search + sort by reward (the whole run scanned, then sorted): first page p50 ${f1(pct(sorted, 50))} ms, max ${f1(Math.max(...sorted))} ms`);
    traces.dispose();
    // A reopened panel: a new index, its lines parsed again on the way (the default view, then searches).
    traces = new RunTraces(run.runDir, ['textual']);
    await traces.refresh();
    traces.dispose();

    const base: number[] = [];
    for (const { q } of [queries[0], queries[8], queries[16], queries[30], queries[24]]) base.push(naive(file, q).ms);
    const p50 = pct(times, 50);
    const p95 = pct(times, 95);
    console.log(`baseline (naive: read, parse and filter every line, ${base.length} queries): median ${f1(pct(base, 50))} ms`);
    console.log(`search first page over ${N / 1000} k traces (${queries.length} queries): p50 ${f1(p50)} ms, p95 ${f1(p95)} ms, max ${f1(Math.max(...times))} ms (goal ≤ 200 ms) vs naive ${f1(pct(base, 50))} ms = ${f1(pct(base, 50) / p50)}× faster at p50`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
