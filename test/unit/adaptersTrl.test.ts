// TRL adapters against trainer_state.json files in transformers' format and completions Parquet files written
// like GRPOTrainer's: exact values, NaN/Infinity, each log entry once as checkpoints accumulate; a completions
// file taken once its step is over (TRL rewrites it when it evaluates); the score is TRL's reward (nansum of
// the reward function columns with reward_weights, extra log columns left out).
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrlTrainerState, trlCheckpoints } from '../../core/external/trl/trlTrainerState';
import { TrlCompletionsDir, cellText, completionSamples } from '../../core/external/trl/trlCompletions';
import { TrlRunReader } from '../../core/external/trl/trlRun';

const FIX = join(__dirname, '../fixtures/external/trl');
const ctx = { stage: 'visual', now: () => 1700000200 };

describe('TRL trainer_state.json', () => {
  it('maps log_history entries with exact values (NaN, Infinity kept) and the eval entry to val/*', () => {
    const { metrics, notes } = new TrlTrainerState(FIX, ctx).read();
    assert.deepEqual(notes, []);
    assert.deepEqual(metrics.map((m) => m.step), [1, 2, 3, 4, 4]);
    const s3 = metrics[2];
    assert.equal(s3['reward/overall'], 0.7);
    assert.equal(s3['reward/accuracy'], 0.625);
    assert.equal(s3['reward/format'], 0.75);
    assert.equal(s3['response_length/mean'], 98);
    assert.ok(Number.isNaN(s3['actor/kl_loss'] as number));
    assert.equal(s3['actor/grad_norm'], Infinity);
    assert.equal(s3['actor/entropy'], 0.57);
    assert.equal(s3['actor/pg_loss'], 0.0032);
    assert.equal(s3['actor/lr'], 1e-6);
    assert.equal(s3['actor/pg_clipfrac'], 0.002);
    assert.equal(s3.frac_reward_zero_std, 0.25, 'every logged value is kept');
    const ev = metrics[4];
    assert.equal(ev['val/reward'], 0.66);
    assert.equal(ev['val/accuracy'], 0.6);
    assert.equal(ev['val/response_length'], 99);
    assert.equal(ev['reward/overall'], undefined);
  });

  it('hands out each entry once while checkpoints accumulate their whole history', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-trl-'));
    try {
      const state = new TrlTrainerState(dir, ctx);
      assert.deepEqual(state.read().metrics, []);
      cpSync(join(FIX, 'checkpoint-2'), join(dir, 'checkpoint-2'), { recursive: true });
      assert.deepEqual(state.read().metrics.map((m) => m.step), [1, 2]);
      assert.deepEqual(state.read().metrics, [], 'unchanged file: nothing new');
      // A save in progress: the JSON is cut off — tried again when the file changes.
      mkdirSync(join(dir, 'checkpoint-4'));
      const full = readFileSync(join(FIX, 'checkpoint-4/trainer_state.json'), 'utf8');
      writeFileSync(join(dir, 'checkpoint-4/trainer_state.json'), full.slice(0, 500));
      const partial = state.read();
      assert.deepEqual(partial.metrics, []);
      assert.match(partial.notes[0].message, /not readable yet/);
      writeFileSync(join(dir, 'checkpoint-4/trainer_state.json'), full);
      assert.deepEqual(state.read().metrics.map((m) => m.step), [3, 4, 4]);
      assert.deepEqual(trlCheckpoints(dir).map((c) => c.step), [2, 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TRL completions Parquet', () => {
  it('reads step/prompt/completion/reward columns once a later step exists; the score is the reward functions\' nansum', async () => {
    const dir = new TrlCompletionsDir(FIX);
    const first = await dir.read();
    assert.deepEqual(first.files.map((f) => [f.step, f.samples.length]), [[1, 4]], 'the newest file may still be rewritten by an evaluation');
    assert.deepEqual((await dir.read(true)).files.map((f) => [f.step, f.samples.length]), [[2, 2]], 'the run ended: the last one too');
    const s = first.files[0].samples;
    assert.deepEqual(s[0], {
      prompt: 'Solve: 12 + 30 = ? Put the answer in \\boxed{}.', response: '<think>12+30=42</think> \\boxed{42}', ground_truth: '',
      score: 2, accuracy: 1, format: 1, advantage: 0.866,
    });
    assert.equal(s[3].score, 1, 'a NaN reward (the function returned None) is left out of the sum');
    assert.equal(s[3].format, undefined);
  });

  it('weighs the reward functions with reward_weights and leaves log_extra columns out', () => {
    const rows = [{ step: 3n, prompt: 'p', completion: 'c', accuracy_reward: 1, format_reward: 0, parsed_answer_len: 17, advantage: 0.5 }];
    assert.equal(completionSamples(rows, { accuracy_reward: 0.9, format_reward: 0.1 })[0].score, 0.9);
    assert.equal(completionSamples(rows)[0].score, 18, 'without the weights every numeric column counts, at weight 1 (TRL\'s default)');
    assert.ok(Number.isNaN(completionSamples([{ ...rows[0], accuracy_reward: NaN, format_reward: NaN }], { accuracy_reward: 0.9, format_reward: 0.1 })[0].score), 'no function scored it: unscorable');
  });

  it('says which file it cannot read and goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-pq-'));
    try {
      mkdirSync(join(dir, 'completions'));
      const bytes = readFileSync(join(FIX, 'completions/completions_00001.parquet'));
      writeFileSync(join(dir, 'completions/completions_00001.parquet'), bytes.subarray(0, 600));
      const pq = new TrlCompletionsDir(dir);
      assert.deepEqual(await pq.read(), { files: [], notes: [] }, 'the newest file: wait');
      writeFileSync(join(dir, 'completions/completions_00002.parquet'), bytes);
      const r = await pq.read();
      assert.match(r.notes[0].message, /not a readable Parquet file/);
      assert.deepEqual(await pq.read(), { files: [], notes: [] }, 'said once');
      assert.deepEqual((await pq.read(true)).files.map((f) => f.step), [2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes text out of conversational cells', () => {
    assert.equal(cellText([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }]), 'ok');
    assert.equal(cellText([{ role: 'assistant', content: [{ type: 'text', text: 'done' }] }]), 'done');
    assert.deepEqual(completionSamples([{ step: 5n, prompt: 'p', completion: 'c' }])[0].score, NaN);
  });
});

describe('TRL run folder', () => {
  it('reads metrics, rollout traces and checkpoints together', async () => {
    const chunk = await new TrlRunReader(FIX, ctx).finish();
    assert.equal(chunk.metrics.length, 5);
    assert.deepEqual(chunk.traces.map((t) => [t.step, t.task, t.responses.map((r) => r.reward)]), [
      [1, 'rollout', [2, 1]], [1, 'rollout', [1, 1]], [2, 'rollout', [1, 2]],
    ]);
    assert.deepEqual(chunk.traces[0].responses.map((r) => r.advantage), [0.866, -0.866]);
    assert.deepEqual(chunk.checkpoints.map((c) => [c.step, c.hfPath]), [[2, join(FIX, 'checkpoint-2')], [4, join(FIX, 'checkpoint-4')]]);
    assert.equal(new TrlRunReader(FIX, ctx).plannedSteps(), undefined, 'before a read nothing is known');
  });

  it('a run we launched: TRL optimizer steps scaled to recipe steps, its evaluation steps as eval rounds', async () => {
    const r = new TrlRunReader(FIX, ctx, { stepsPerStep: 2, evalSteps: 2, evalOnStart: false, rewardWeights: { accuracy_reward: 0.9, format_reward: 0.1 } });
    const chunk = await r.finish();
    assert.deepEqual(chunk.metrics.map((m) => m.step), [1, 1, 2, 2, 2]);
    assert.equal(r.plannedSteps(), 2, 'max_steps 4 at 2 TRL steps a step');
    assert.deepEqual(chunk.traces.map((t) => [t.step, t.task]), [[1, 'rollout'], [1, 'rollout'], [1, 'eval']]);
    assert.deepEqual(chunk.evals.map((e) => [e.step, e.records.length]), [[1, 2]]);
    assert.deepEqual(chunk.traces[0].responses.map((x) => x.reward), [1, 0.1], 'weighted');
    assert.deepEqual(chunk.checkpoints.map((c) => c.step), [1, 2]);
  });
});
