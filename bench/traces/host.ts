// Runs INSIDE a real VS Code extension host (bundled by bench/traces/memory.ts): opens the traces panel on a
// run with a 1 GB traces.jsonl and on one with a 200 MB single line, and measures what the extension host
// pays — its V8 heap and, with it, the typed arrays outside it (sampled every 50 ms), RSS, its event-loop lag (a 20 ms timer's lateness), how long
// the Runs view takes to list the runs and their stages, and how long the real page takes to draw a first page
// and a search's first page — against the same host idle, measured first in the same run.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import * as vscode from 'vscode';
import type { See2ThinkApi } from '../../extension/extension';
import type { TracesPanel } from '../../extension/panels/tracesPanel';
import type { RunsNode } from '../../extension/views/runsTree';

const out = (line: string) => (process.env.EXT_TEST_LOG ? appendFileSync(process.env.EXT_TEST_LOG, line + '\n') : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 1048576).toFixed(1);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};

async function waitFor<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** Heap, RSS and event-loop lag, sampled until stopped. */
function monitor() {
  const heap: number[] = [];
  /** The heap plus ArrayBuffer memory (the index's typed arrays live outside the V8 heap). */
  const js: number[] = [];
  const rss: number[] = [];
  const lag: number[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    lag.push(Math.max(0, now - last - 20));
    last = now;
  }, 20);
  const mem = setInterval(() => {
    const m = process.memoryUsage();
    heap.push(m.heapUsed);
    js.push(m.heapUsed + m.arrayBuffers);
    rss.push(m.rss);
  }, 50);
  return {
    heap, js, rss, lag,
    stop() {
      clearInterval(tick);
      clearInterval(mem);
    },
    line(name: string) {
      return `${name}: heap peak ${mb(Math.max(...heap))} MB (median ${mb(pct(heap, 50))}), with array buffers ${mb(Math.max(...js))} MB, RSS peak ${mb(Math.max(...rss))} MB; event-loop lag p50 ${pct(lag, 50).toFixed(1)} ms, p99 ${pct(lag, 99).toFixed(1)} ms, max ${Math.max(...lag).toFixed(0)} ms (${lag.length} ticks)`;
    },
  };
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<See2ThinkApi>('see2think.see2think')!;
  await waitFor(() => ext.isActive, 60000, 'activation');
  const api = ext.exports;
  const core = await api.runs!.core();
  const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const bigRun = join(ws, 'runs/tiny/big-1gb');
  const lineRun = join(ws, 'runs/tiny/line-200mb');
  await waitFor(() => core.store.get(bigRun) && core.store.get(lineRun), 60000, 'the runs were discovered');
  const tree = api.runsTree!;
  /** Lists the Runs view's recipes, runs and the big run's stages, as expanding it does; returns ms. */
  const listRuns = async () => {
    const t = performance.now();
    const roots = await tree.getChildren();
    for (const r of roots) for (const n of await tree.getChildren(r)) {
      tree.getTreeItem(n);
      if ((n as Extract<RunsNode, { type: 'run' }>).runDir === bigRun) for (const s of await tree.getChildren(n)) tree.getTreeItem(s);
    }
    return performance.now() - t;
  };
  out(`traces memory in VS Code ${vscode.version}, Node ${process.version}, heap limit ${mb(getHeapStatistics().heap_size_limit)} MB`);

  // Baseline: the same host idle, with the runs discovered and no traces panel.
  let m = monitor();
  const idleList: number[] = [];
  for (let i = 0; i < 12; i++) {
    idleList.push(await listRuns());
    await sleep(250);
  }
  m.stop();
  out(m.line('idle (baseline)'));
  const idle = { heap: Math.max(...m.heap), js: Math.max(...m.js), lagP99: pct(m.lag, 99) };
  out(`  Runs view listed in p50 ${pct(idleList, 50).toFixed(1)} ms, max ${Math.max(...idleList).toFixed(1)} ms`);

  const drawn: { seq: number; rows: number; total: number; at: number }[] = [];
  const open = async (runDir: string) => {
    const panel = (await vscode.commands.executeCommand<TracesPanel>('see2think.openTraces', runDir))!;
    panel.onDidReceiveMessage((msg) => {
      if (msg.method === 'traces/drawn' && msg.params.timeline === undefined) drawn.push({ ...msg.params, at: performance.now() });
    });
    return panel;
  };

  // The 1 GB file: first page, then the whole file read while the Runs view is listed and a search is typed.
  m = monitor();
  const t0 = performance.now();
  let panel = await open(bigRun);
  const first = await waitFor(() => drawn.find((d) => d.rows > 0), 120000, 'first page of the 1 GB run');
  out(`1 GB run: first page drawn ${(first.at - t0).toFixed(0)} ms after Open Sample Traces (page load included)`);
  const busyList: number[] = [];
  const searchMs: number[] = [];
  let searched = 0;
  for (let i = 0; !panel.session.current()?.done; i++) {
    busyList.push(await listRuns());
    if (i % 8 === 4 && searched < 3) {
      searched++;
      const q = ['license', 'returns have', 'boxed{7}'][searched - 1];
      const ts = performance.now();
      const before = drawn.length;
      void vscode.commands.executeCommand('see2think.openTraces', bigRun, { search: q });
      await waitFor(() => drawn.slice(before).find((d) => d.rows > 0 && d.seq === panel.session.current()?.seq), 120000, `search ${q}`);
      searchMs.push(performance.now() - ts);
      void vscode.commands.executeCommand('see2think.openTraces', bigRun, { search: '' });
    }
    await sleep(250);
    if (performance.now() - t0 > 600000) throw new Error('the 1 GB run was not read in 10 minutes');
  }
  const readMs = performance.now() - t0;
  const idx = panel.session.traces;
  out(`1 GB run: every line read in ${(readMs / 1000).toFixed(1)} s: ${idx.indexed} traces; the index holds ${mb(idx.heldBytes())} MB`);
  out(`  while reading: Runs view listed in p50 ${pct(busyList, 50).toFixed(1)} ms, max ${Math.max(...busyList).toFixed(1)} ms (${busyList.length} times); a search typed → its first page drawn: ${searchMs.map((x) => x.toFixed(0)).join(', ')} ms`);
  // Searches over the whole indexed file, as the user types them.
  const after: number[] = [];
  for (const q of ['software', 'guarding', 'zq123x', 'RETURNS HAVE', 'boxed{3}']) {
    const ts = performance.now();
    const before = drawn.length;
    await vscode.commands.executeCommand('see2think.openTraces', bigRun, { search: q });
    await waitFor(() => drawn.slice(before).find((d) => d.seq === panel.session.current()?.seq && (d.rows > 0 || panel.session.current()?.done)), 120000, `search ${q}`);
    after.push(performance.now() - ts);
  }
  out(`  searches on the read 1 GB run, typed → first page drawn (or the run searched to its end): ${after.map((x) => x.toFixed(0)).join(', ')} ms`);
  m.stop();
  out(m.line('1 GB traces.jsonl'));
  const big = { heap: Math.max(...m.heap), js: Math.max(...m.js), lagP99: pct(m.lag, 99), lagMax: Math.max(...m.lag), list: Math.max(...busyList) };
  panel.dispose();

  // The 200 MB single line among ordinary ones.
  m = monitor();
  drawn.length = 0;
  const t1 = performance.now();
  panel = await open(lineRun);
  await waitFor(() => panel.session.current()?.done && drawn.find((d) => d.rows > 0), 120000, 'the 200 MB-line run');
  const notices = panel.session.traces.notices();
  const lineList: number[] = [];
  for (let i = 0; i < 8; i++) {
    lineList.push(await listRuns());
    await sleep(100);
  }
  m.stop();
  out(`200 MB line: run read and first page drawn in ${(performance.now() - t1).toFixed(0)} ms; ${panel.session.traces.indexed} traces; notice: ${notices.join(' | ')}`);
  out(m.line('200 MB single line'));
  const line = { heap: Math.max(...m.heap), js: Math.max(...m.js), lagP99: pct(m.lag, 99), lagMax: Math.max(...m.lag) };
  if (!notices.some((n) => /line cap/.test(n))) throw new Error(`the over-long line was not reported: ${notices.join(' | ')}`);
  panel.dispose();

  const peak = Math.max(big.heap, line.heap);
  const jsPeak = Math.max(big.js, line.js);
  out(`extension host with a 1 GB traces.jsonl and a 200 MB line: heap peak ${mb(peak)} MB, ${mb(jsPeak)} MB with array buffers (goal < 300 MB; idle ${mb(idle.heap)} / ${mb(idle.js)} MB), event-loop lag p99 ${big.lagP99.toFixed(1)} / ${line.lagP99.toFixed(1)} ms, max ${big.lagMax.toFixed(0)} / ${line.lagMax.toFixed(0)} ms (idle p99 ${idle.lagP99.toFixed(1)} ms), Runs view ≤ ${big.list.toFixed(0)} ms`);
}
