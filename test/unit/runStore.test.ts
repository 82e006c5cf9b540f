// The extension's run store on real run directories: discovery of new runs under a root, last values only until
// a panel asks for a run's points, incremental metric deltas from the files (batched), de-duplication against
// stdout records, rewinds after a resume, torn lines, NaN, and status changes. Node only: the store does not
// import 'vscode'.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { RunStore, type MetricsDelta } from '../../extension/runs/store';
import { StageSeries, type MetricPoint } from '../../extension/runs/stageSeries';
import { SUMMARY_POINTS } from '../../extension/runs/runReader';
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

const pt = (stage: string, step: number, extra: Record<string, number> = {}): MetricPoint => ({ ...rec(stage, step, extra), global_step: step });

describe('stage series', () => {
  it('appends, drops exact duplicates, and rewinds on an earlier step with another time', () => {
    const s = new StageSeries();
    assert.equal(s.add(pt('a', 1)), 'append');
    assert.equal(s.add(pt('a', 2)), 'append');
    assert.equal(s.add(pt('a', 2)), 'duplicate');
    assert.equal(s.add(pt('a', 3)), 'append');
    assert.equal(s.add({ ...pt('a', 2), time: 5 }), 'rewind');
    assert.deepEqual(s.points.map((p) => [p.step, p.time]), [[1, 1001], [2, 5]]);
  });

  it('keeps only its latest points when asked to', () => {
    const s = new StageSeries(3);
    for (let i = 1; i <= 20; i++) s.add(pt('a', i));
    assert.ok(s.points.length >= 3 && s.points.length < 6, String(s.points.length));
    assert.equal(s.last!.step, 20);
    assert.equal(s.add(pt('a', 20)), 'duplicate');
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
    assert.deepEqual(store.points(run.runDir), [], 'a panel asks for the points');
    w.metric(rec('a', 1));
    w.metric(rec('a', 2, { 'actor/kl_loss': NaN }));
    await until(() => deltas.length > 0 && deltas);
    assert.deepEqual(deltas.flatMap((d) => d.points.map((p) => p.step)), [1, 2], 'both lines, in one or two batches');
    const [p1, p2] = store.points(run.runDir);
    assert.ok(Number.isNaN(p2['actor/kl_loss']), 'NaN stays NaN');
    assert.equal('actor/kl_loss' in p1, false);
    assert.deepEqual([p1.global_step, p2.global_step], [1, 2], 'x from the stage offset (the record has no global_step)');
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
    store.points(run.runDir);
    const w = new StageWriter(run.runDir, 'b');
    for (const s of [1, 2, 3]) {
      store.ingest(run.runDir, 'b', { type: 'metric', record: rec('b', s) });
      w.metric(rec('b', s));
    }
    await sleep(300);
    assert.deepEqual(store.points(run.runDir).map((p) => [p.step, p.global_step]), [[1, 4], [2, 5], [3, 6]]);
    assert.equal(deltas.flatMap((d) => d.points).length, 3, 'each point sent once');
    // A resume from a step-1 checkpoint rewrites the file (atomically) and trains step 2 again.
    const path = join(run.runDir, 'stages/b/metrics.jsonl');
    writeFileSync(path + '.tmp', JSON.stringify(rec('b', 1)) + '\n' + JSON.stringify({ ...rec('b', 2), time: 9999 }) + '\n');
    renameSync(path + '.tmp', path);
    const reset = await until(() => deltas.find((d) => d.reset));
    assert.deepEqual(reset.points.map((p) => [p.step, p.time]), [[1, 1001], [2, 9999]]);
  });

  it('keeps a run\'s last values only, until a panel asks for its points and after it lets go', async () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    const path = join(run.runDir, 'stages/a/metrics.jsonl');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify(rec('a', i + 1)));
    lines[4] = 'not json'; // line 5, far before the end
    mkdirSync(join(run.runDir, 'stages/a'), { recursive: true });
    writeFileSync(path, lines.join('\n') + '\n');
    const deltas: MetricsDelta[] = [];
    store.onMetrics((d) => deltas.push(d));
    const snap = store.addRun(run.runDir);
    const reader = store.reader(run.runDir)!;
    assert.equal(reader.loaded, false);
    assert.equal(snap.stages[0].lastPoint?.step, 3000, 'the last values are read from the end of the file');
    assert.ok(reader.stagePoints('a').length < 2 * SUMMARY_POINTS, `${reader.stagePoints('a').length} points kept`);
    assert.deepEqual(warnings, [], 'the start of the file was not read');
    appendFileSync(path, JSON.stringify(rec('a', 3001)) + '\n');
    await until(() => store.get(run.runDir)!.stages[0].lastPoint?.step === 3001 || undefined);
    await sleep(100);
    assert.equal(deltas.length, 0, 'no deltas for a run no panel shows');

    const panel = {};
    const other = {};
    assert.equal(store.points(run.runDir, panel).length, 3000, 'every point but the bad line');
    store.points(run.runDir, other);
    assert.match(warnings.join('\n'), /metrics\.jsonl:5: skipped a line/);
    appendFileSync(path, JSON.stringify(rec('a', 3002)) + '\n');
    const d = await until(() => deltas[0]);
    assert.deepEqual([d.reset, d.points.map((p) => p.step)], [false, [3002]]);

    store.releasePoints(run.runDir, panel);
    assert.equal(reader.loaded, true, 'another holder still shows it');
    store.releasePoints(run.runDir, other);
    assert.equal(reader.loaded, false);
    assert.ok(reader.stagePoints('a').length <= SUMMARY_POINTS);
    appendFileSync(path, JSON.stringify(rec('a', 3003)) + '\n');
    await until(() => store.get(run.runDir)!.stages[0].lastPoint?.step === 3003 || undefined);
    await sleep(100);
    assert.equal(deltas.length, 1, 'no deltas once released');
  });

  it('a metrics file it cannot read is the stage\'s read error, not a throw, when a panel asks for the points', () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    store.addRun(run.runDir);
    mkdirSync(join(run.runDir, 'stages/b/metrics.jsonl'), { recursive: true });
    new StageWriter(run.runDir, 'a').metric(rec('a', 1));
    assert.deepEqual(store.points(run.runDir).map((p) => p.stage + p.step), ['a1']);
    assert.match(store.get(run.runDir)!.stages[1].readError ?? '', /EISDIR/);
  });

  it('sends the run whole when a point lands before points already sent (stages that start from the same stage)', async () => {
    writeFileSync(recipeFile, RECIPE + '  - id: c\n    kind: perception\n    steps: 4\n    init_from: a\n');
    const run = createRun({ recipeFile, runId: 'r1' });
    store.addRun(run.runDir);
    store.points(run.runDir);
    const deltas: MetricsDelta[] = [];
    store.onMetrics((d) => deltas.push(d));
    for (const s of [1, 2, 3]) store.ingest(run.runDir, 'a', { type: 'metric', record: rec('a', s) });
    for (const s of [1, 2]) store.ingest(run.runDir, 'b', { type: 'metric', record: rec('b', s) });
    store.flush();
    assert.deepEqual(deltas.map((d) => [d.reset, d.points.map((p) => p.global_step)]), [[false, [1, 2, 3, 4, 5]]]);
    store.ingest(run.runDir, 'c', { type: 'metric', record: rec('c', 1) });
    store.flush();
    assert.deepEqual(deltas[1].reset, true);
    assert.deepEqual(deltas[1].points.map((p) => `${p.stage}@${p.global_step}`), ['a@1', 'a@2', 'a@3', 'b@4', 'c@4', 'b@5'], 'in x order');
    store.ingest(run.runDir, 'c', { type: 'metric', record: rec('c', 2) });
    store.ingest(run.runDir, 'c', { type: 'metric', record: rec('c', 3) });
    store.flush();
    assert.deepEqual(deltas.slice(2).map((d) => [d.reset, d.points.map((p) => `${p.stage}@${p.global_step}`)]), [[false, ['c@5', 'c@6']]], 'then appended: at or after the largest x sent');
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
