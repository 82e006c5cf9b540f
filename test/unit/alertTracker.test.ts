// The extension's alert tracker on real run directories and the real run store: a run evaluated once from its
// files (global step as x), then incrementally from each accepted point (file or stdout), a rewritten stage
// recomputed, the run's own rules (frozen recipe), and the cache that spares re-reading an unchanged run.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { RunStore } from '../../extension/runs/store';
import { AlertTracker, type CachedAlerts, type AlertsChange } from '../../extension/alerts/alertTracker';
import type { MetricRecord } from '../../protocol/runRecords';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 10\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rec = (stage: string, step: number, extra: Record<string, number> = {}): MetricRecord => ({ step, time: 1000 + step, stage, 'actor/grad_norm': 1, ...extra });

async function until<T>(f: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('alert tracker', () => {
  let dir: string;
  let recipeFile: string;
  let store: RunStore;
  let tracker: AlertTracker | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-alerts-'));
    recipeFile = join(dir, 'demo.recipe.yaml');
    writeFileSync(recipeFile, RECIPE);
    store = new RunStore({ pollMs: 30, flushMs: 5, warn: () => undefined });
  });
  afterEach(() => {
    tracker?.dispose();
    store.dispose();
  });

  function finishedRun(id: string, nanAt: number): string {
    const run = createRun({ recipeFile, runId: id });
    const a = new StageWriter(run.runDir, 'a');
    for (let s = 1; s <= 3; s++) a.metric(rec('a', s));
    const b = new StageWriter(run.runDir, 'b');
    for (let s = 1; s <= 6; s++) b.metric(rec('b', s, s === nanAt ? { 'actor/grad_norm': NaN } : {}));
    return run.runDir;
  }

  it('evaluates a run from its files in the background, with the global step as x', async () => {
    const runDir = finishedRun('r1', 4);
    const changes: AlertsChange[] = [];
    tracker = new AlertTracker(store);
    tracker.onDidChange((c) => changes.push(c));
    store.addRun(runDir);
    assert.equal(tracker.evaluated(runDir), false, 'not during discovery');
    await tracker.whenIdle();
    const [e, ...rest] = tracker.alerts(runDir);
    assert.equal(rest.length, 0);
    assert.deepEqual([e.rule, e.stage, e.step, e.x], ['non_finite', 'b', 4, 7], 'stage b starts at global step 3');
    assert.deepEqual(changes.map((c) => [c.run, c.added.length]), [[runDir, 1]]);
  });

  it('follows a running stage point by point (file and stdout), each alert once', async () => {
    const run = createRun({ recipeFile, runId: 'live' });
    const b = new StageWriter(run.runDir, 'b');
    b.status({ stage: 'b', state: 'running', target: 'local', updated: new Date().toISOString(), total_steps: 10 });
    b.metric(rec('b', 1));
    tracker = new AlertTracker(store);
    const added: string[] = [];
    tracker.onDidChange((c) => added.push(...c.added.map((a) => `${a.rule}@${a.step}`)));
    store.addRun(run.runDir);
    await tracker.whenIdle();
    b.metric(rec('b', 2, { 'actor/pg_loss': Infinity }));
    await until(() => added.length > 0);
    assert.deepEqual(added, ['non_finite@2']);
    // The trainer's stdout record arrives before its line in the file; later NaNs of the stage fire nothing new.
    store.ingest(run.runDir, 'b', { type: 'metric', record: rec('b', 3, { 'reward/accuracy': 0 }) });
    b.metric(rec('b', 3, { 'reward/accuracy': 0 }));
    b.metric(rec('b', 4, { 'actor/pg_loss': NaN }));
    await until(() => (store.reader(run.runDir)!.stage('b')!.lastPoint?.step === 4 ? true : undefined));
    assert.deepEqual(added, ['non_finite@2']);
    assert.ok(tracker.cost.points >= 3, 'accepted points were evaluated');
    // A record whose stage field names no stage of the run (a hostile or broken writer) is not evaluated.
    store.ingest(run.runDir, 'b', { type: 'metric', record: { ...rec('b', 5, { 'actor/pg_loss': NaN }), stage: '[open](command:workbench.action.terminal.new)' } });
    assert.deepEqual(tracker.alerts(run.runDir).map((a) => a.stage), ['b']);
  });

  it('recomputes a stage whose metrics were rewritten (a resume redid its steps)', async () => {
    const runDir = finishedRun('r2', 5);
    tracker = new AlertTracker(store);
    store.addRun(runDir);
    await tracker.whenIdle();
    assert.deepEqual(tracker.alerts(runDir).map((e) => e.step), [5]);
    // The stage resumes from its step-3 checkpoint and redoes steps 4–6 without the NaN: a new file replaces it.
    const lines = [1, 2, 3, 4, 5, 6].map((s) => JSON.stringify({ ...rec('b', s), time: 2000 + s })).join('\n') + '\n';
    writeFileSync(join(runDir, 'stages/b/metrics.jsonl.tmp'), lines);
    const { renameSync } = await import('node:fs');
    renameSync(join(runDir, 'stages/b/metrics.jsonl.tmp'), join(runDir, 'stages/b/metrics.jsonl'));
    store.refresh(runDir);
    await until(() => (tracker!.alerts(runDir).length === 0 ? true : undefined));
  });

  it('uses the run\'s own rules (its frozen recipe)', async () => {
    writeFileSync(recipeFile, RECIPE + 'alerts:\n  non_finite:\n    enabled: false\n');
    const runDir = finishedRun('r3', 2);
    tracker = new AlertTracker(store);
    store.addRun(runDir);
    await tracker.whenIdle();
    assert.equal(tracker.evaluated(runDir), true);
    assert.deepEqual(tracker.alerts(runDir), []);
  });

  it('takes an unchanged finished run from the cache, and re-reads it once its files change', async () => {
    const runDir = finishedRun('r4', 3);
    const memo = new Map<string, CachedAlerts>();
    const cache = { get: (r: string) => memo.get(r), set: (r: string, v: CachedAlerts) => void memo.set(r, v) };
    tracker = new AlertTracker(store, cache);
    store.addRun(runDir);
    await tracker.whenIdle();
    const cached = memo.get(runDir)!;
    assert.equal(cached.alerts.length, 1);
    tracker.dispose();
    // What the cache says is what a new window shows (its message changed here to tell it from a re-read).
    memo.set(runDir, { ...cached, alerts: [{ ...cached.alerts[0], message: 'from the cache' }] });
    const store2 = new RunStore({ pollMs: 30, flushMs: 5, warn: () => undefined });
    try {
      tracker = new AlertTracker(store2, cache);
      store2.addRun(runDir);
      await tracker.whenIdle();
      assert.equal(tracker.alerts(runDir)[0].message, 'from the cache');
      tracker.dispose();
      new StageWriter(runDir, 'b').metric(rec('b', 7));
      tracker = new AlertTracker(store2, cache);
      await tracker.whenIdle();
      assert.match(tracker.alerts(runDir)[0].message, /actor\/grad_norm is NaN/, 'files changed: read again');
    } finally {
      store2.dispose();
    }
  });
});
