// The stage bridge with a verl stand-in at the process boundary (test/fixtures/external/fake-verl: Hydra
// overrides read as strictly as verl's struct config from the facts of the version it plays, data in the shape
// RLHFDataset reads, the reward from custom_reward_function, a loop ended by total_training_steps or
// total_epochs): two chained stages whose validation accuracy comes from our reward's `acc`, a stage longer
// than 30 passes over a small data set (verl's default total_epochs) reaching its last step, and the status a
// verl stage ends with.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { runExternalStage } from '../../core/external/bridge';
import { StageOutput } from '../../core/rundir/stageOutput';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import { loadRecipeFile } from '../../core/recipe/loadRecipe';
import { compileStage } from '../../core/external/compile';
import { METRICS } from '../../protocol/metrics';

const FAKE = join(__dirname, '../fixtures/external/fake-verl');
const quiet = () => undefined;
const record = (i: number) => JSON.stringify({ data_source: 'arith', prompt: [{ role: 'user', content: `What is ${i} + ${i}?` }], reward_model: { ground_truth: String(2 * i) } });

const RECIPE = (steps1: number, version = '1dda039') => `
name: verlrun
model: { trainer: verl, trainer_version: ${version}, path: Qwen/Qwen2.5-VL-3B-Instruct, cwd: ${JSON.stringify(FAKE)}, env: { FAKE_UPSTREAM: ${version} } }
defaults:
  algorithm: { rollout_batch_size: 2, global_batch_size: 2, save_freq: 2, val_freq: 2 }
stages:
  - { id: perception, kind: perception, steps: ${steps1}, data: { file: train.jsonl, val_file: val.jsonl } }
  - { id: textual, kind: textual-reasoning, steps: 2, data: { file: train.jsonl, val_file: val.jsonl } }
`;

describe('external stage bridge (verl stand-in)', function () {
  this.timeout(120000);
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 's2t-verl-'));
    writeFileSync(join(work, 'train.jsonl'), [1, 2].map(record).join('\n') + '\n');
    writeFileSync(join(work, 'val.jsonl'), [1, 2, 3, 4].map(record).join('\n') + '\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));
  const newRun = (steps1: number, version?: string) => {
    writeFileSync(join(work, 'v.recipe.yaml'), RECIPE(steps1, version));
    return createRun({ recipeFile: join(work, 'v.recipe.yaml'), runsDir: join(work, 'runs'), runId: 'r1' }).runDir;
  };
  const out = (runDir: string, stage: string) => new StageOutput(runDir, stage, { write: () => undefined }, { write: () => undefined });

  it('runs two chained stages: our reward decides the validation accuracy (acc), checkpoints with a Hugging Face model, stage 2 from stage 1', async () => {
    const runDir = newRun(4);
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: out(runDir, 'perception'), pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const metrics = readJsonl<Record<string, number>>(join(runDir, 'stages/perception/metrics.jsonl')).records;
    assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2, 3, 4]);
    assert.equal(metrics[0][METRICS.valAccuracy], 0.5, 'val-core/arith/acc/mean@1: half the answers right');
    assert.ok(Math.abs(metrics[0][METRICS.valReward] - 0.55) < 1e-12, 'val-aux reward: 0.9·0.5 + 0.1·1');
    assert.ok(Number.isNaN(metrics[2]['actor/grad_norm']), 'NaN written as null by the file logger, read back as NaN');
    assert.deepEqual(readdirSync(join(runDir, 'evals')).sort(), ['perception-step-0.jsonl', 'perception-step-2.jsonl', 'perception-step-4.jsonl']);
    const answers = readFileSync(join(runDir, 'evals/perception-step-2.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).correct);
    assert.deepEqual(answers, [true, true, false, false]);
    assert.deepEqual(listCheckpoints(join(runDir, 'stages/perception')).map((c) => c.step), [2, 4]);
    const st = readStageStatus(runDir, 'perception').value!;
    assert.deepEqual([st.state, st.step, st.total_steps], ['succeeded', 4, 4]);

    assert.equal(await runExternalStage({ runDir, stageId: 'textual', out: out(runDir, 'textual'), pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const m2 = readJsonl<Record<string, number>>(join(runDir, 'stages/textual/metrics.jsonl')).records;
    assert.deepEqual(m2.map((m) => m.global_step), [4, 5, 6]);
    const meta = JSON.parse(readFileSync(join(runDir, 'stages/textual/checkpoints/step-2/meta.json'), 'utf8'));
    assert.equal(meta.parent, 'perception/step-4');
    const hf = JSON.parse(readFileSync(join(runDir, 'stages/textual/verl/global_step_2/actor/huggingface/config.json'), 'utf8'));
    assert.equal(hf.trained_from, join(runDir, 'stages/perception/verl/global_step_4/actor/huggingface'));
  });

  it('a stage of more steps than 30 passes over its data (verl\'s default total_epochs) still reaches its last step', async () => {
    const runDir = newRun(34);
    process.env.FAKE_STEP_SECONDS = '0';
    try {
      assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: out(runDir, 'perception'), pollMs: 50, trainerOutput: quiet }), 'succeeded');
    } finally {
      delete process.env.FAKE_STEP_SECONDS;
    }
    assert.equal(readStageStatus(runDir, 'perception').value!.step, 34);
    assert.deepEqual(listCheckpoints(join(runDir, 'stages/perception')).map((c) => c.step).slice(-1), [34], 'the next stage\'s model is there');
  });

  it('the stand-in refuses what verl refuses: a key not in the config, a .jsonl file before 0.8, a string prompt', () => {
    const runDir = newRun(2);
    const { resolved } = loadRecipeFile(join(work, 'v.recipe.yaml'));
    const c = compileStage({ recipe: resolved, stageId: 'perception', runDir, recipeDir: work });
    const run = (argv: string[], version = '1dda039') => spawnSync(argv[0], argv.slice(1), { cwd: FAKE, encoding: 'utf8', env: { ...process.env, ...c.env, FAKE_UPSTREAM: version, FAKE_STEP_SECONDS: '0' } });
    const typo = run(c.argv.map((a) => a.replace('trainer.total_epochs=', 'trainer.total_epoch=')));
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /Could not override 'trainer\.total_epoch'/);
    assert.match(run(c.argv, 'b178a3c').stderr, /Key 'custom_reward_function' is not in struct|Could not override 'reward\.custom_reward_function\.path'/, 'verl 0.8+ keys on an older verl');
    writeFileSync(join(work, 'train.jsonl'), JSON.stringify({ problem: 'What is 1+1?', answer: '2' }) + '\n');
    const easyr1Data = run(c.argv);
    assert.equal(easyr1Data.status, 1);
    assert.match(easyr1Data.stderr, /must be a list of chat messages/);
  });
});
