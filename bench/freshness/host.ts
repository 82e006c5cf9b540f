// Runs INSIDE a real VS Code extension host (bundled by bench/freshness/run.ts): measures how fresh the
// dashboard is — from a metric line appended to metrics.jsonl to the moment the dashboard page reports it drew
// that point ('dashboard/drawn', stamped with the page's clock; same machine, same clock as the writer) — and
// splits it into the host's, VS Code's transport's and the page's shares.
//   file:    a separate writer process appends real MetricRecords to a stage's metrics.jsonl (the store's
//            fs.watch + tail path, as for a run started outside VS Code);
//   trainer: the real built-in trainer run by the supervisor (its stdout records, de-duplicated with the file).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { METRICS } from '../../protocol/metrics';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import type { See2ThinkApi } from '../../extension/extension';
import type { DashboardPanel } from '../../extension/panels/dashboardPanel';
import type { RunsCore } from '../../extension/runs/runsServices';

const POINTS = Number(process.env.S2T_FRESH_POINTS || 250);
const INTERVAL_MS = Number(process.env.S2T_FRESH_INTERVAL_MS || 40);
const out = (line: string) => (process.env.EXT_TEST_LOG ? appendFileSync(process.env.EXT_TEST_LOG, line + '\n') : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The writer: appends one realistic record (every dashboard metric) per interval, stamping `time` at the append.
const WRITER = `
const fs = require('fs');
const [path, n, every, names] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), JSON.parse(process.argv[4])];
let i = 0;
const tick = () => {
  i++;
  const rec = { step: i, global_step: i, time: Date.now() / 1000, stage: 'warmup' };
  for (const m of names) rec[m] = Math.sin(i / 10 + m.length) + Math.random() * 0.1;
  fs.appendFileSync(path, JSON.stringify(rec) + '\\n');
  if (i < n) setTimeout(tick, every);
};
tick();
`;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Latency of each point of `runDir` (in arrival order), from its record time to the draw that first included it. */
function trackDraws(core: RunsCore, panel: DashboardPanel, runDir: string, stage: string): Shares & { latencies: number[]; dispose(): void } {
  const latencies: number[] = [];
  // The host's share: from the record's time to the store's delta (before postMessage).
  const host: number[] = [];
  // When each point (by record time) left the store: the panel posts it in the same event, just before.
  const posted = new Map<number, number>();
  const hostSub = core.store.onMetrics((d) => {
    if (d.run !== runDir || d.reset) return;
    const now = Date.now();
    for (const p of d.points) {
      if (p.stage !== stage || p.step <= 0) continue;
      host.push(now - p.time * 1000);
      posted.set(p.time, now);
    }
  });
  // Per drawn frame: VS Code's transport (posted by the host → reached the page, for the frame's first new
  // point), the page's share (reached the page → frame drawn: the wait for an animation frame, then drawing)
  // and the drawing alone.
  const transport: number[] = [];
  const page: number[] = [];
  const work: number[] = [];
  let seen = 0;
  const sub = panel.onDidDraw(({ at, counts, arrived, work: ms }) => {
    const n = counts[runDir] ?? 0;
    const points = core.store.points(runDir);
    const before = latencies.length;
    let first: number | undefined;
    for (; seen < n && seen < points.length; seen++) {
      if (points[seen].stage !== stage || points[seen].step <= 0) continue;
      first ??= posted.get(points[seen].time);
      latencies.push(at - points[seen].time * 1000);
    }
    if (latencies.length > before && arrived !== undefined && ms !== undefined) {
      if (first !== undefined) transport.push(arrived - first);
      page.push(at - arrived);
      work.push(ms);
      if (process.env.S2T_FRESH_DEBUG && at - arrived > 60) out(`    slow frame #${page.length} at point ${seen}: page ${(at - arrived).toFixed(1)} ms, drawing ${ms.toFixed(1)} ms, transport ${first !== undefined ? (arrived - first).toFixed(1) : '?'} ms`);
    }
  });
  return { latencies, host, transport, page, work, dispose: () => { sub.dispose(); hostSub.dispose(); } };
}

function report(name: string, xs: number[], what = 'points, append→drawn'): string {
  const f = (v: number) => v.toFixed(1);
  const line = `${name}: ${xs.length} ${what} p50 ${f(percentile(xs, 50))} ms, p95 ${f(percentile(xs, 95))} ms, max ${f(Math.max(...xs))} ms`;
  out(line);
  return line;
}

interface Shares {
  host: number[];
  transport: number[];
  page: number[];
  work: number[];
}

function reportShares(t: Shares): void {
  report('  host share (append → store delta)', t.host);
  if (t.transport.length) report('  transport (host posts → page receives)', t.transport, 'frames,');
  if (t.page.length) report('  page share (page receives → frame drawn)', t.page, 'frames,');
  if (t.work.length) report('  page drawing alone', t.work, 'frames,');
}

async function fileMode(api: See2ThinkApi, core: RunsCore, ws: string): Promise<number[]> {
  const run = createRun({ recipeFile: join(ws, 'tiny.recipe.yaml'), runId: `fresh-${Date.now()}` });
  // A stage another process is running: the store polls it as active and watches its folder.
  new StageWriter(run.runDir, 'warmup').status({ stage: 'warmup', state: 'running', target: 'local', updated: new Date().toISOString(), total_steps: POINTS });
  core.store.addRun(run.runDir);
  const panel = (await vscode.commands.executeCommand<DashboardPanel>('see2think.openDashboard', run.runDir))!;
  await panel.initialized;
  await sleep(1000);
  const t = trackDraws(core, panel, run.runDir, 'warmup');
  // S2T_FRESH_METRICS=n limits each record to n metrics (fewer charts to redraw: separates drawing from transport).
  const names = Object.values(METRICS).slice(0, Number(process.env.S2T_FRESH_METRICS || 1e9));
  const writer = spawn(process.execPath, ['-e', WRITER, join(run.runDir, 'stages/warmup/metrics.jsonl'), String(POINTS), String(INTERVAL_MS), JSON.stringify(names)], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore',
  });
  await new Promise((r) => writer.once('exit', r));
  for (let i = 0; i < 300 && t.latencies.length < POINTS; i++) await sleep(100);
  t.dispose();
  reportShares(t);
  return t.latencies;
}

async function trainerMode(api: See2ThinkApi, core: RunsCore, ws: string): Promise<number[]> {
  const runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', vscode.Uri.file(join(ws, 'slow.recipe.yaml'))))!;
  const panel = (await vscode.commands.executeCommand<DashboardPanel>('see2think.openDashboard', runDir))!;
  await panel.initialized;
  const t = trackDraws(core, panel, runDir, 'long');
  for (let i = 0; i < 1800 && t.latencies.length < POINTS; i++) await sleep(100);
  await vscode.commands.executeCommand('see2think.stopRun', runDir);
  t.dispose();
  reportShares(t);
  return t.latencies;
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<See2ThinkApi>('see2think.see2think')!;
  for (let i = 0; i < 300 && !ext.isActive; i++) await sleep(100);
  const api = ext.exports;
  const core = await api.runs!.core();
  const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
  out(`freshness in VS Code ${vscode.version}: ${POINTS} points per mode, one every ${INTERVAL_MS} ms (file mode)`);
  const trainer = await trainerMode(api, core, ws);
  report('trainer (real built-in trainer, stdout + file)', trainer);
  const file = await fileMode(api, core, ws);
  const head = report('file (writer process appending to metrics.jsonl)', file);
  if (file.length < 200) throw new Error(`only ${file.length} points were drawn: ${head}`);
  const p95 = percentile(file, 95);
  out(`freshness: dashboard p95 ${p95.toFixed(1)} ms after the line is appended vs TensorBoard's 30 s reload = ${(30000 / p95).toFixed(0)}× fresher (goal p95 ≤ 100 ms)`);
}
