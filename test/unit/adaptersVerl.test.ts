// verl adapters against fixtures in verl's file-logger, console and dump formats: exact values, NaN and
// ±Infinity, np.float64(…) console values, corrupt lines, dump files taken only once complete.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerlFileLog } from '../../core/external/verl/verlFileLogger';
import { parseVerlConsoleLine } from '../../core/external/verl/verlConsole';
import { VerlDumpDir } from '../../core/external/verl/verlRollout';
import { VerlRunReader, verlCheckpoints } from '../../core/external/verl/verlRun';
import { parsePythonNumber } from '../../core/external/pythonValues';

const FIX = join(__dirname, '../fixtures/external/verl');
const ctx = { stage: 'textual', now: () => 1700000100 };

describe('Python-printed numbers', () => {
  const cases: [string, number | undefined][] = [
    ['0.5', 0.5], ['-1e-06', -1e-6], ['3', 3], ['np.float64(0.25)', 0.25], ['np.float32(421.0)', 421], ['np.int64(7)', 7],
    ['numpy.float64(-2.5)', -2.5], ['tensor(0.125)', 0.125], ["tensor(1.5, device='cuda:0')", 1.5], ['inf', Infinity], ['-inf', -Infinity],
    ['np.float64(inf)', Infinity], ['Infinity', Infinity], ['abc', undefined], ['', undefined], ['np.float64(x)', undefined], ['[1, 2]', undefined],
  ];
  for (const [text, want] of cases) it(`${JSON.stringify(text)} → ${want}`, () => assert.equal(parsePythonNumber(text), want));
  it('nan and np.float64(nan) are NaN', () => {
    assert.ok(Number.isNaN(parsePythonNumber('nan')!));
    assert.ok(Number.isNaN(parsePythonNumber('np.float64(nan)')!));
  });
});

describe('verl file logger', () => {
  it('reads {"step","data"} lines with exact values, reports the corrupt line, averages validation sources', () => {
    const { metrics, notes } = new VerlFileLog(join(FIX, 'metrics.jsonl'), ctx).read();
    assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2]);
    assert.equal(notes.length, 1);
    assert.equal(notes[0].line, 3);
    const [s0, s1, s2] = metrics;
    assert.equal(s0['val/reward'], 0.42);
    assert.equal(s0['val/accuracy'], 0.38);
    assert.equal(s0['val/format'], 0.9);
    assert.equal(s1['reward/overall'], 0.455);
    assert.equal(s1['actor/entropy'], 0.7712);
    assert.equal(s1['actor/pg_clipfrac'], 0.0031);
    assert.equal(s1['perf/time_per_step'], 88.2);
    assert.equal(s1['response_length/mean'], 430.5);
    assert.equal(s1.stage, 'textual');
    assert.equal(s1.elapsed_seconds, undefined, 'only the data dict holds metrics');
    assert.ok(Number.isNaN(s2['actor/kl_loss'] as number));
    assert.equal(s2['actor/grad_norm'], -Infinity);
    assert.equal(s2['val/reward'], (0.47 + 0.51) / 2, 'two validation data sources are averaged');
    assert.equal(s2['val/accuracy'], (0.43 + 0.45) / 2);
    assert.equal(s2['val-core/mathvista/acc/mean@1'], 0.45, 'per-source values are kept');
  });
});

describe('verl console lines', () => {
  const lines = readFileSync(join(FIX, 'console.log'), 'utf8').split('\n');
  it('parses `step:N - key:value` with np.float64(…) values and a Ray prefix', () => {
    const a = parseVerlConsoleLine(lines[1])!;
    assert.equal(a.step, 1);
    assert.deepEqual(a.data, {
      'actor/entropy': 0.7712, 'actor/kl_loss': 0.0004, 'actor/pg_loss': -0.0051, 'critic/score/mean': 0.455,
      'response_length/mean': 430.5, 'training/global_step': 1, 'training/epoch': 0,
    });
    const b = parseVerlConsoleLine(lines[2])!;
    assert.equal(b.step, 2);
    assert.ok(Number.isNaN(b.data['actor/kl_loss']));
    assert.equal(b.data['actor/grad_norm'], Infinity);
    assert.equal(b.data['response_length/mean'], 421);
    assert.equal(b.data['perf/max_memory_allocated_gb'], 61.2);
  });
  it('ignores lines that are not metric lines', () => {
    assert.equal(parseVerlConsoleLine(lines[0]), undefined);
    assert.equal(parseVerlConsoleLine(lines[3]), undefined);
    assert.equal(parseVerlConsoleLine('step:3 - nothing here'), undefined);
  });
  it('keeps the numbers of a line and reports the pairs that are not', () => {
    const r = parseVerlConsoleLine('step:4 - a:1 - b:hello - c:np.float64(2)')!;
    assert.deepEqual(r.data, { a: 1, c: 2 });
    assert.deepEqual(r.skipped, ['b:hello']);
  });
});

describe('verl sample dumps and run folder', () => {
  it('takes a dump file once its size held still, grouping responses per prompt', () => {
    const dumps = new VerlDumpDir(join(FIX, 'rollout'));
    assert.deepEqual(dumps.read().steps, [], 'first sight: not yet known to be complete');
    const { steps, notes } = dumps.read();
    assert.deepEqual(notes, []);
    assert.deepEqual(steps.map((s) => [s.step, s.samples.length]), [[1, 4], [2, 2]]);
    assert.deepEqual(steps[0].samples[0], {
      prompt: 'Q: how many red cubes? <image>', response: '<think>I count 3.</think> \\boxed{3}', ground_truth: '3', score: 1, accuracy: 1, format: undefined,
    });
    assert.deepEqual(dumps.read().steps, [], 'each file once');
  });

  it('reads the whole folder: metrics, rollout traces, validation rounds, confirmed checkpoints only', async () => {
    const reader = new VerlRunReader({
      logFile: join(FIX, 'metrics.jsonl'), consoleFile: join(FIX, 'console.log'), rolloutDir: join(FIX, 'rollout'),
      validationDir: join(FIX, 'validation'), checkpointDir: join(FIX, 'ckpt'), valSampling: { temperature: 0.6, top_p: 0.95, n: 1 },
    }, ctx);
    const first = await reader.read();
    assert.deepEqual(first.metrics.map((m) => m.step), [0, 1, 2], 'the file logger wins over the console');
    assert.deepEqual(first.checkpoints, [{ step: 2, path: join(FIX, 'ckpt/global_step_2'), hfPath: join(FIX, 'ckpt/global_step_2/actor/huggingface') }]);
    const end = await reader.finish();
    assert.deepEqual(end.traces.map((t) => [t.step, t.prompt, t.responses.length]), [
      [1, 'Q: how many red cubes? <image>', 3], [1, 'Q: which is larger? A. cube B. sphere <image>', 1], [2, 'Q: what is 7×6?', 2],
    ]);
    assert.deepEqual(end.traces[0].responses.map((r) => [r.reward, r.accuracy, r.answer]), [[1, 1, '3'], [0.1, 0, '2'], [0, 0, null]]);
    assert.deepEqual(end.traces[2].responses.map((r) => [r.reward, r.accuracy, r.format]), [[1, 1, 1], [0, 0, 0]], 'split with the 0.9/0.1 weights');
    assert.deepEqual(end.evals.map((e) => [e.step, e.records.map((r) => r.correct)]), [[0, [false, true]], [2, [true, false]]]);
    assert.deepEqual(end.evals[0].sampling, { temperature: 0.6, top_p: 0.95, n: 1 });
    assert.equal(end.evals[0].set, 'validation');
  });

  it('falls back to console lines when there is no file logger', async () => {
    const reader = new VerlRunReader({ consoleFile: join(FIX, 'console.log') }, ctx);
    const { metrics } = await reader.read();
    assert.deepEqual(metrics.map((m) => m.step), [1, 2]);
    assert.equal(metrics[0]['reward/overall'], 0.455);
    assert.equal(reader.consoleRecord('step:9 - critic/score/mean:np.float64(0.75)')!['reward/overall'], 0.75);
  });

  it('counts a checkpoint only once latest_checkpointed_iteration.txt reaches it', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-verlck-'));
    try {
      cpSync(join(FIX, 'ckpt'), dir, { recursive: true });
      assert.deepEqual(verlCheckpoints(dir).map((c) => c.step), [2]);
      writeFileSync(join(dir, 'latest_checkpointed_iteration.txt'), '4\n');
      assert.deepEqual(verlCheckpoints(dir).map((c) => c.step), [2, 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
