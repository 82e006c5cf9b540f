// EasyR1 adapters against the fixtures written from EasyR1's FileLogger / FileGenerationLogger formats:
// exact metric values, NaN/Infinity, torn lines and blocks, truncation on restart (what was read is kept).
import { strict as assert } from 'node:assert';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EasyR1ExperimentLog } from '../../core/external/easyr1/easyr1ExperimentLog';
import { EasyR1GenerationsTail, splitGenerationBlocks } from '../../core/external/easyr1/easyr1Generations';
import { EasyR1RunReader, easyr1Checkpoints } from '../../core/external/easyr1/easyr1Run';
import type { MetricRecord } from '../../protocol/runRecords';

const FIX = join(__dirname, '../fixtures/external/easyr1');
const ctx = { stage: 'perception', now: () => 1700000000 };

describe('EasyR1 experiment_log.jsonl', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-easyr1-'));
    cpSync(FIX, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps nested EasyR1 metrics to our names with exact values, NaN and Infinity kept', () => {
    const log = new EasyR1ExperimentLog(join(dir, 'experiment_log.jsonl'), ctx);
    const { metrics, notes, truncated } = log.read();
    assert.equal(truncated, false);
    assert.deepEqual(notes, []);
    assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2], 'the torn step-3 line waits for its newline');
    const [s0, s1, s2] = metrics;
    assert.equal(s0['val/accuracy'], 0.35);
    assert.equal(s0['val/reward'], 0.41);
    assert.equal(s0['val/format'], 0.95);
    assert.equal(s1.stage, 'perception');
    assert.equal(s1.time, 1700000000);
    assert.equal(s1['reward/overall'], 0.4625);
    assert.equal(s1['reward/accuracy'], 0.4138888888888889);
    assert.equal(s1['reward/format'], 0.9);
    assert.equal(s1['response_length/mean'], 512.25);
    assert.equal(s1['actor/kl_loss'], 0.0005);
    assert.equal(s1['actor/entropy'], 0.812, 'actor/entropy_loss is the entropy');
    assert.equal(s1['actor/pg_clipfrac'], 0.004 + 0.001, 'higher + lower clip fractions');
    assert.equal(s1['actor/grad_norm'], 0.231);
    assert.equal(s1['actor/lr'], 1e-6);
    assert.equal(s1['perf/throughput'], 1450.5);
    assert.equal(s1['perf/time_per_step'], 121.7);
    assert.equal(s1['critic/score/max'], 1, 'every logged value is kept under its flat name');
    assert.ok(Number.isNaN(s2['actor/pg_loss'] as number));
    assert.equal(s2['actor/grad_norm'], Infinity);
    assert.equal(s2['val/accuracy'], 0.4111111111111111);
    assert.equal(s2['val/reward'], 0.47);
  });

  it('reads a torn last line once it is complete', () => {
    const file = join(dir, 'experiment_log.jsonl');
    const log = new EasyR1ExperimentLog(file, ctx);
    log.read();
    assert.deepEqual(log.read().metrics, []);
    appendFileSync(file, ', "format": 1.0, "accuracy": 0.4666666666666667}, "actor": {"kl_loss": 0.002}}\n');
    const [s3] = log.read().metrics;
    assert.equal(s3.step, 3);
    assert.equal(s3['reward/overall'], 0.52);
    assert.equal(s3['reward/accuracy'], 0.4666666666666667);
    assert.equal(s3['actor/kl_loss'], 0.002);
  });

  it('notices the truncation of a restart and keeps what was read before', () => {
    const file = join(dir, 'experiment_log.jsonl');
    const log = new EasyR1ExperimentLog(file, ctx);
    const kept: MetricRecord[] = [...log.read().metrics];
    // EasyR1 restarts from global_step_2: FileLogger reopens the file with "w", then logs step 3.
    writeFileSync(file, '{"step": 3, "reward": {"overall": 0.55}}\n');
    const after = log.read();
    assert.equal(after.truncated, true);
    assert.match(after.notes[0].message, /truncated \(EasyR1 restarted, restart 1\).*kept/);
    kept.push(...after.metrics);
    assert.deepEqual(kept.map((m) => m.step), [0, 1, 2, 3]);
    assert.equal(kept[3]['reward/overall'], 0.55);
    assert.equal(kept[1]['reward/overall'], 0.4625, 'records read before the restart are untouched');
  });

  it('reports a record without a step instead of failing', () => {
    const file = join(dir, 'experiment_log.jsonl');
    writeFileSync(file, '{"reward": {"overall": 1}}\n{"step": 1, "reward": {"overall": 0.5}}\nnot json\n');
    const r = new EasyR1ExperimentLog(file, ctx).read();
    assert.deepEqual(r.metrics.map((m) => m.step), [1]);
    assert.equal(r.notes.length, 2);
    assert.match(r.notes.map((n) => n.message).join('\n'), /without an integer "step"/);
    assert.ok(r.notes.some((n) => n.line === 3));
  });
});

describe('EasyR1 generations.log', () => {
  it('splits blocks exactly, tolerating blank lines and a non-score "[score]" line inside an output', () => {
    const text = readFileSync(join(FIX, 'generations.log'), 'utf8');
    const { blocks, consumed, skipped } = splitGenerationBlocks(text);
    assert.equal(blocks.length, 4, 'the torn fifth block waits');
    assert.deepEqual(skipped, []);
    assert.ok(text.slice(consumed).startsWith('[prompt] system\nYou FIRST think'));
    assert.equal(blocks[0].output, '<think>I see two red cubes on the left and one behind the sphere.</think> \\boxed{3}');
    assert.equal(blocks[0].ground_truth, '3');
    assert.equal(blocks[0].score, 1);
    assert.ok(blocks[0].prompt.endsWith('How many red cubes are in the image?\nassistant'));
    assert.equal(blocks[1].output, 'The sphere.\n\n[score] is not part of my answer\nIt looks larger than the cube.');
    assert.equal(blocks[1].score, 0);
    assert.equal(blocks[2].score, 0.1);
    assert.equal(blocks[3].output, '<think>The sphere is larger. [score] 1.0 is what I expect.</think> \\boxed{B}');
  });

  it('skips text outside blocks with a note, and starts over after the file is emptied', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-gen-'));
    try {
      const file = join(dir, 'generations.log');
      writeFileSync(file, 'stray line\n[prompt] p\n[output] o\n[ground_truth] g\n[score] nan\n\n');
      const tail = new EasyR1GenerationsTail(file);
      const a = tail.read();
      assert.equal(a.blocks.length, 1);
      assert.ok(Number.isNaN(a.blocks[0].score));
      assert.match(a.notes[0].message, /outside a \[prompt\] block skipped: stray line/);
      writeFileSync(file, '[prompt] q\n[output] r\n');
      const b = tail.read();
      assert.equal(b.truncated, true);
      assert.deepEqual(b.blocks, []);
      appendFileSync(file, '[ground_truth] s\n[score] 0.9\n\n');
      assert.deepEqual(tail.read().blocks, [{ prompt: 'q', output: 'r', ground_truth: 's', score: 0.9 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EasyR1 run folder', () => {
  it('turns validation rounds into eval batches at the step of their val/* line, and finds finished checkpoints', async () => {
    const reader = new EasyR1RunReader(FIX, { ...ctx, accuracyWeight: 0.9 });
    const chunk = await reader.read();
    assert.deepEqual(chunk.metrics.map((m) => m.step), [0, 1, 2]);
    assert.deepEqual(chunk.evals.map((e) => [e.step, e.records.length]), [[0, 2], [2, 2]]);
    const [r0, r2] = chunk.evals;
    assert.equal(r0.set, 'geometry3k@test');
    assert.deepEqual(r0.sampling, { temperature: 0.6, top_p: 0.95, n: 1 });
    assert.deepEqual(r0.records.map((r) => [r.correct, r.answer, r.reward]), [[true, '3', 1], [false, null, 0]]);
    assert.deepEqual(r2.records.map((r) => [r.correct, r.answer, r.reward]), [[false, '2', 0.1], [true, 'B', 1]]);
    assert.equal(r0.records[0].prompt_id, r2.records[0].prompt_id, 'the same prompt pairs up across rounds');
    assert.equal(r0.records[0].length, 14, 'whitespace words');
    assert.equal(chunk.traces.length, 4);
    assert.deepEqual(chunk.traces[2].responses.map((x) => [x.accuracy, x.format]), [[0, 1]], 'score 0.1 = 0.9·0 + 0.1·1');
    assert.deepEqual(chunk.checkpoints, [{ step: 2, path: join(FIX, 'global_step_2'), hfPath: join(FIX, 'global_step_2/actor/huggingface') }]);
    const again = await reader.read();
    assert.deepEqual([again.metrics, again.evals, again.checkpoints], [[], [], []], 'nothing is handed out twice');
    const end = await reader.finish();
    assert.deepEqual(end.evals, [], 'a torn block is not a sample');
  });

  it('a checkpoint is finished only once the tracker or dataloader.pt says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-ck-'));
    try {
      cpSync(join(FIX, 'global_step_2'), join(dir, 'global_step_2'), { recursive: true });
      cpSync(join(FIX, 'global_step_2/actor'), join(dir, 'global_step_4/actor'), { recursive: true });
      assert.deepEqual(easyr1Checkpoints(dir).map((c) => c.step), [2]);
      writeFileSync(join(dir, 'latest_global_step.txt'), '4');
      assert.deepEqual(easyr1Checkpoints(dir).map((c) => c.step), [2, 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
