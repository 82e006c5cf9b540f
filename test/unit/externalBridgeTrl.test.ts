// The stage bridge with a TRL stand-in at the process boundary (test/fixtures/external/fake-trl: flags read as
// strictly as HfArgumentParser from the facts of the TRL version, GRPOConfig's batch rules, reward functions by
// dotted path with reward_weights, one completions file per logging step for training and evaluation alike):
// TRL's own GRPO script runs our reward with the recipe's weights, optimizer steps come back as recipe steps,
// evaluation rounds become eval files, and the next stage starts from the last checkpoint.
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
import { placeStageFiles } from '../../core/external/stageFiles';
import type { TraceRecord } from '../../protocol/runRecords';

const FAKE = join(__dirname, '../fixtures/external/fake-trl');
const quiet = () => undefined;

const RECIPE = `
name: trlrun
model: { trainer: trl, trainer_version: f2cd577, path: Qwen/Qwen2.5-VL-3B-Instruct, cwd: ${JSON.stringify(FAKE)}, env: { FAKE_NODE: ${JSON.stringify(process.execPath)} } }
defaults:
  # 2 prompts a step, 1 per update: 2 optimizer steps a recipe step.
  algorithm: { rollout_batch_size: 2, global_batch_size: 1, rollout_n: 2, save_freq: 2, val_freq: 2 }
stages:
  - { id: perception, kind: perception, steps: 3, data: { file: train.jsonl, val_file: val.jsonl } }
  - { id: visual, kind: visual-reasoning, steps: 1, data: { file: train.jsonl, val_file: val.jsonl } }
`;

describe('external stage bridge (TRL stand-in)', function () {
  this.timeout(120000);
  let work: string;
  let runDir: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 's2t-trl-'));
    const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `What is ${i} + ${i}?`, answer: String(2 * i) })).join('\n') + '\n';
    writeFileSync(join(work, 'train.jsonl'), rows(4));
    writeFileSync(join(work, 'val.jsonl'), rows(2));
    writeFileSync(join(work, 't.recipe.yaml'), RECIPE);
    runDir = createRun({ recipeFile: join(work, 't.recipe.yaml'), runsDir: join(work, 'runs'), runId: 'r1' }).runDir;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));
  const out = (stage: string) => new StageOutput(runDir, stage, { write: () => undefined }, { write: () => undefined });

  it("runs TRL's GRPO script with our reward and weights; steps, evaluations and checkpoints come back in recipe steps", async () => {
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: out('perception'), pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const st = readStageStatus(runDir, 'perception').value!;
    assert.deepEqual([st.state, st.step], ['succeeded', 3]);
    const metrics = readJsonl<Record<string, number>>(join(runDir, 'stages/perception/metrics.jsonl')).records;
    assert.deepEqual([...new Set(metrics.map((m) => m.step))], [0, 1, 2, 3], 'TRL logged at optimizer steps 2, 4, 6 (and evaluated at 0, 4)');
    // Evaluation on start and every 2 recipe steps (4 optimizer steps): TRL wrote those files for the evaluation.
    assert.deepEqual(readdirSync(join(runDir, 'evals')).sort(), ['perception-step-0.jsonl', 'perception-step-2.jsonl']);
    const traces = readJsonl<TraceRecord>(join(runDir, 'stages/perception/traces.jsonl')).records;
    assert.deepEqual([...new Set(traces.map((t) => `${t.step}:${t.task}`))], ['0:eval', '1:rollout', '2:eval', '3:rollout']);
    // The recipe's reward: 0.9 · accuracy + 0.1 · format, through TRL's nansum of the weighted reward functions.
    const rewards = [...new Set(traces.flatMap((t) => t.responses.map((r) => r.reward)))].sort();
    assert.deepEqual(rewards, [0.1, 1]);
    assert.deepEqual(listCheckpoints(join(runDir, 'stages/perception')).map((c) => c.step), [2, 3], 'checkpoint-4 and checkpoint-6');

    assert.equal(await runExternalStage({ runDir, stageId: 'visual', out: out('visual'), pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const cfg = JSON.parse(readFileSync(join(runDir, 'stages/visual/trl/checkpoint-2/config.json'), 'utf8'));
    assert.equal(cfg.trained_from, join(runDir, 'stages/perception/trl/checkpoint-6'));
  });

  it('the stand-in refuses what TRL refuses: a flag no dataclass declares, batches that split prompt groups, weights of another count', () => {
    const { resolved } = loadRecipeFile(join(work, 't.recipe.yaml'));
    const c = compileStage({ recipe: resolved, stageId: 'perception', runDir, recipeDir: work });
    placeStageFiles(c.files ?? []);
    const run = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { cwd: FAKE, encoding: 'utf8', env: { ...process.env, ...c.env, FAKE_NODE: process.execPath, PYTHONPATH: join(runDir, 'stages/perception') } });
    const typo = run(c.argv.map((a) => (a === '--num_iterations' ? '--num_iteration' : a)));
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /Some specified arguments are not used by the HfArgumentParser: \['--num_iteration', '1'\]/);
    const split = run(c.argv.map((a, i, all) => (all[i - 1] === '--per_device_train_batch_size' ? '3' : a)));
    assert.match(split.stderr, /generation_batch_size \(4\) must be divisible by the global batch size \(3\)/);
    const weights = run(c.argv.map((a, i, all) => (all[i - 1] === '--reward_weights' ? '1.0' : a)).filter((a, i, all) => all[i - 2] !== '--reward_weights'));
    assert.match(weights.stderr, /Number of reward weights \(1\) must match number of reward functions \(2\)/);
  });
});
