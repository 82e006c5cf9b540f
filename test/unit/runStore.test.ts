// The extension's run store on real run directories: discovery of new runs under a root, incremental metric
// deltas from the files (batched), de-duplication against stdout records, rewinds after a resume, torn lines,
// NaN, and status changes. Node only: the store does not import 'vscode'.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { RunStore, type MetricsDelta } from '../../extension/runs/store';
import { StageSeries, toPoint } from '../../extension/runs/stageSeries';
import type { MetricRecord } from '../../protocol/runRecords';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 4\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rec = (stage: string, step: number, extra: Record<string, number> = {}): MetricRecord => ({ step, time: 1000 + step, stage, 'reward/overall': step / 10, ...extra });

async function until<T>(f: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('stage series', () => {
  it('appends, drops exact duplicates, and rewinds on an earlier step with another time', () => {
    const s = new StageSeries();
    assert.equal(s.add(toPoint(rec('a', 1), 0)), 'append');
    assert.equal(s.add(toPoint(rec('a', 2), 0)), 'append');
    assert.equal(s.add(toPoint(rec('a', 2), 0)), 'duplicate');
    assert.equal(s.add(toPoint({ ...rec('a', 2), time: 5 }, 0)), 'rewind');
    assert.deepEqual(s.points.map((p) => [p.step, p.time]), [[1, 1001], [2, 5]]);
  });

  it('maps NaN/Infinity to null and places x by global_step, else by the stage offset', () => {
    const p = toPoint({ ...rec('b', 3), 'actor/kl_loss': NaN, 'actor/grad_norm': Infinity, note: 'x' } as MetricRecord, 10);
    assert.deepEqual(p.values, { 'reward/overall': 0.3, 'actor/kl_loss': null, 'actor/grad_norm': null });
    assert.equal(p.x, 13);
    assert.equal(toPoint({ ...rec('b', 3), global_step: 7 }, 10).x, 7);
  });
});

describe('run store', () => {
  let dir: string;
  let recipeFile: string;
  let store: RunStore;
  let warnings: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-store-'));
    recipeFile = join(dir, 'demo.recipe.yaml');
    writeFileSync(recipeFile, RECIPE);
    warnings = [];
    store = new RunStore({ pollMs: 50, flushMs: 10, warn: (m) => warnings.push(m) });
  });
  afterEach(() => store.dispose());

  it('discovers runs created under a watched root, with stages, kinds and global offsets from the frozen recipe', async () => {
    store.addRoot(join(dir, 'runs/demo'));
    assert.equal(store.runs().length, 0);
    const run = createRun({ recipeFile, runId: 'r1' });
    const snap = await until(() => store.get(run.runDir));
    assert.deepEqual(snap.stages.map((s) => [s.id, s.kind, s.totalSteps, s.globalOffset, s.status?.state]), [
      ['a', 'sft', 3, 0, 'pending'], ['b', 'perception', 4, 3, 'pending'],
    ]);
    const info = store.reader(run.runDir)!.info();
    assert.equal(info.label, 'demo/r1');
  });

  it('sends appended metric lines as batched deltas, waits for a torn last line, and reports bad lines', async () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    store.addRun(run.runDir);
    const deltas: MetricsDelta[] = [];
    store.onMetrics((d) => deltas.push(d));
    const w = new StageWriter(run.runDir, 'a');
    w.metric(rec('a', 1));
    w.metric(rec('a', 2, { 'actor/kl_loss': NaN }));
    await until(() => deltas.length > 0 && deltas);
    assert.deepEqual(deltas.flatMap((d) => d.points.map((p) => p.step)), [1, 2], 'both lines, in one or two batches');
    const [p1, p2] = store.points(run.runDir);
    assert.equal(p2.values['actor/kl_loss'], null, 'NaN arrives as null');
    assert.equal('actor/kl_loss' in p1.values, false);
    const path = join(run.runDir, 'stages/a/metrics.jsonl');
    appendFileSync(path, '{"step": 3, "time": 1003, "stage": "a", "rew');
    await sleep(200);
    assert.deepEqual(store.points(run.runDir).map((p) => p.step), [1, 2], 'the torn line waits');
    appendFileSync(path, 'ard/overall": 0.3}\nnot json\n');
    await until(() => store.points(run.runDir).length === 3 || undefined);
    await until(() => warnings.length > 0 || undefined);
    assert.match(warnings.join('\n'), /metrics\.jsonl:4: skipped a line/);
    assert.equal(store.get(run.runDir)!.stages[0].badLines, 1);
  });

  it('de-duplicates stdout records against the file, and resets the run when the trainer rewinds', async () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    store.addRun(run.runDir);
    const deltas: MetricsDelta[] = [];
    store.onMetrics((d) => deltas.push(d));
    const w = new StageWriter(run.runDir, 'b');
    for (const s of [1, 2, 3]) {
      store.ingest(run.runDir, 'b', { type: 'metric', record: rec('b', s) });
      w.metric(rec('b', s));
    }
    await sleep(300);
    assert.deepEqual(store.points(run.runDir).map((p) => [p.step, p.x]), [[1, 4], [2, 5], [3, 6]]);
    assert.equal(deltas.flatMap((d) => d.points).length, 3, 'each point sent once');
    // A resume from a step-1 checkpoint rewrites the file (atomically) and trains step 2 again.
    const path = join(run.runDir, 'stages/b/metrics.jsonl');
    writeFileSync(path + '.tmp', JSON.stringify(rec('b', 1)) + '\n' + JSON.stringify({ ...rec('b', 2), time: 9999 }) + '\n');
    renameSync(path + '.tmp', path);
    const reset = await until(() => deltas.find((d) => d.reset));
    assert.deepEqual(reset.points.map((p) => [p.step, p.time]), [[1, 1001], [2, 9999]]);
  });

  it('applies status changes from the file and from stdout, and lists complete checkpoints only', async () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    store.addRun(run.runDir);
    const w = new StageWriter(run.runDir, 'a');
    w.status({ stage: 'a', state: 'running', target: 'local', pid: 1, updated: new Date().toISOString(), total_steps: 3, step: 1 });
    await until(() => store.get(run.runDir)!.stages[0].status?.state === 'running' || undefined);
    mkdirSync(join(w.dir, 'checkpoints/step-1'), { recursive: true });
    mkdirSync(join(w.dir, 'checkpoints/step-2'), { recursive: true });
    writeFileSync(join(w.dir, 'checkpoints/step-1/meta.json'), '{}');
    await until(() => store.get(run.runDir)!.stages[0].checkpoints.length === 1 || undefined);
    store.ingest(run.runDir, 'a', { type: 'status', record: { stage: 'a', state: 'succeeded', target: 'local', updated: new Date(Date.now() + 10).toISOString(), total_steps: 3 } });
    store.flush();
    assert.equal(store.get(run.runDir)!.stages[0].status?.state, 'succeeded');
    // A late, older record (stdout overtaken by the file) does not bring the stage back to life.
    store.ingest(run.runDir, 'a', { type: 'status', record: { stage: 'a', state: 'running', target: 'local', updated: new Date(Date.now() - 60000).toISOString(), total_steps: 3 } });
    assert.equal(store.get(run.runDir)!.stages[0].status?.state, 'succeeded');
  });

  it('indexes a run\'s traces only while a holder has them; an appended trace reaches the index (folder watcher, or the trainer\'s stdout record)', async () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    store.dispose();
    store = new RunStore({ pollMs: 60_000, flushMs: 10, warn: (m) => warnings.push(m) }); // no poll: only the ingest pokes
    store.addRun(run.runDir);
    const w = new StageWriter(run.runDir, 'a');
    const trace = { step: 1, time: 1, stage: 'a', task: 'perception', prompt_id: 'p1', prompt: 'how many?', ground_truth: '2', responses: [] };
    w.trace(trace);
    assert.equal(store.tracking(run.runDir), false);
    const index = store.traces(run.runDir)!;
    assert.equal(store.traces(run.runDir), index, 'one index per run, shared');
    await index.refresh();
    assert.equal(index.indexed, 1);
    w.trace({ ...trace, prompt_id: 'p2' });
    store.ingest(run.runDir, 'a', { type: 'trace', record: { ...trace, prompt_id: 'p2' } });
    await until(() => index.indexed === 2 || undefined);
    store.releaseTraces(run.runDir);
    assert.equal(store.tracking(run.runDir), true, 'the second holder still has it');
    store.releaseTraces(run.runDir);
    assert.equal(store.tracking(run.runDir), false);
  });

  it('shows a run whose frozen recipe is broken, with the reason', () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    writeFileSync(join(run.runDir, 'recipe.yaml'), 'stages: [');
    const snap = store.addRun(run.runDir);
    assert.deepEqual(snap.stages.map((s) => s.id), ['a', 'b']);
    assert.ok(snap.error, 'has an error');
  });
});
