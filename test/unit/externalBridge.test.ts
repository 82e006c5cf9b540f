// The stage bridge end to end with an EasyR1 stand-in at the process boundary (test/fixtures/external/
// fake-easyr1: same argv read as strictly as EasyR1's OmegaConf does, from the facts of the version it plays;
// same files): the compiled command runs as a child, its files are mirrored into our run directory live
// (metrics with global steps, eval files per validation round, checkpoint pointers), the merge runs after
// training, stage 2 starts from stage 1's merged model; both supported versions; our reward module when the
// recipe's reward is not EasyR1's; stop, failure, missing parent; a wrong key fails at the stand-in.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { runExternalStage } from '../../core/external/bridge';
import { StageOutput } from '../../core/rundir/stageOutput';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { loadRecipeFile } from '../../core/recipe/loadRecipe';
import { compileStage } from '../../core/external/compile';

const quiet = () => undefined;
const FAKE = join(__dirname, '../fixtures/external/fake-easyr1');
const ROOT = join(__dirname, '../..');

const RECIPE = (steps: number, version = 'd146d24', reward = '') => `
name: bridge
model: { trainer: easyr1, trainer_version: ${version}, path: Qwen/Qwen2.5-VL-7B-Instruct, cwd: ${JSON.stringify(FAKE)}, env: { FAKE_UPSTREAM: ${version} } }
defaults:
  algorithm: { save_freq: 2, val_freq: 2 }${reward}
stages:
  - { id: perception, kind: perception, steps: ${steps}, data: { file: train.jsonl, val_file: val.jsonl, val_size: 4 }, init_from: null }
  - { id: textual, kind: textual-reasoning, steps: 3, data: { file: train.jsonl, val_file: val.jsonl, val_size: 4 } }
`;

function capture(runDir: string, stageId: string) {
  const records: { type: string }[] = [];
  const out = new StageOutput(runDir, stageId, { write: (l) => records.push(parseJsonLoose(l) as { type: string }) }, { write: () => undefined });
  return { out, records };
}

describe('external stage bridge (EasyR1 stand-in)', function () {
  this.timeout(60000);
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 's2t-bridge-'));
    writeFileSync(join(work, 'train.jsonl'), '{"problem": "1+1?", "answer": "2"}\n');
    writeFileSync(join(work, 'val.jsonl'), [1, 2, 3, 4].map((i) => JSON.stringify({ problem: `${i}+${i}?`, answer: String(2 * i) })).join('\n') + '\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));
  const newRun = (steps: number, version = 'd146d24', reward = '') => {
    writeFileSync(join(work, 'b.recipe.yaml'), RECIPE(steps, version, reward));
    return createRun({ recipeFile: join(work, 'b.recipe.yaml'), runsDir: join(work, 'runs'), runId: 'r1' }).runDir;
  };

  it('runs two chained stages: mirrored metrics, eval rounds, checkpoints, merge, stage 2 from stage 1', async () => {
    const runDir = newRun(6);
    const s1 = capture(runDir, 'perception');
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: s1.out, pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const dir1 = join(runDir, 'stages/perception');
    const metrics = readJsonl<Record<string, number>>(join(dir1, 'metrics.jsonl')).records;
    assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(metrics.map((m) => m.global_step), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(metrics[6]['reward/overall'], 0.9);
    assert.equal(metrics[3]['actor/pg_clipfrac'], 0.01);
    assert.ok(Number.isNaN(metrics[2]['actor/grad_norm']));
    assert.equal(metrics[4]['val/accuracy'], 0.5);
    assert.deepEqual(readdirSync(join(runDir, 'evals')).sort(), ['perception-step-0.jsonl', 'perception-step-2.jsonl', 'perception-step-4.jsonl', 'perception-step-6.jsonl']);
    const evalLines = readFileSync(join(runDir, 'evals/perception-step-4.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(evalLines[0], { ...evalLines[0], type: 'header', checkpoint: 'perception/step-4', set: 'val.jsonl', sampling: { temperature: 0.6, top_p: 0.95, n: 1 } });
    assert.deepEqual(evalLines.slice(1).map((r) => r.correct), [true, true, false, false]);
    assert.deepEqual(listCheckpoints(dir1).map((c) => c.step), [2, 4, 6]);
    const meta6 = JSON.parse(readFileSync(join(dir1, 'checkpoints/step-6/meta.json'), 'utf8'));
    const hf = join(dir1, 'easyr1/global_step_6/actor/huggingface');
    assert.deepEqual({ ...meta6, time: undefined }, { step: 6, global_step: 6, stage: 'perception', time: undefined, parent: null, trainer: 'easyr1', external_path: join(dir1, 'easyr1/global_step_6'), model_path: hf });
    assert.equal(readFileSync(join(hf, 'model.safetensors'), 'utf8'), 'merged from model_world_size_1_rank_0.pt', 'the merge ran after training');
    const st1 = readStageStatus(runDir, 'perception').value!;
    assert.deepEqual([st1.state, st1.step, st1.exit_code, st1.last_checkpoint], ['succeeded', 6, 0, 'checkpoints/step-6']);
    assert.ok(s1.records.filter((r) => r.type === 'metric').length === 7, 'records streamed on stdout too');
    assert.ok(s1.records.some((r) => r.type === 'checkpoint'));

    const s2 = capture(runDir, 'textual');
    assert.equal(await runExternalStage({ runDir, stageId: 'textual', out: s2.out, pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const cfg2 = JSON.parse(readFileSync(join(runDir, 'stages/textual/easyr1/experiment_config.json'), 'utf8'));
    assert.equal(cfg2.worker.actor.model.model_path, hf, 'stage 2 started from stage 1\'s merged model');
    const m2 = readJsonl<Record<string, number>>(join(runDir, 'stages/textual/metrics.jsonl')).records;
    assert.deepEqual(m2.map((m) => m.global_step), [6, 7, 8, 9], 'global steps continue from the parent checkpoint');
    assert.equal(JSON.parse(readFileSync(join(runDir, 'stages/textual/checkpoints/step-3/meta.json'), 'utf8')).parent, 'perception/step-6');
  });

  it('runs through `see2think stage` (the CLI dispatches external runs to the bridge)', () => {
    const runDir = newRun(2);
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'cli/main.ts'), 'stage', runDir, 'perception'], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const types = r.stdout.trim().split('\n').map((l) => (parseJsonLoose(l) as { type: string }).type);
    assert.ok(types.includes('metric') && types.includes('status'), 'stdout is the record stream only');
    assert.match(r.stderr, /Initializing logging file to/, "the trainer's own output goes to the log");
    assert.equal(readStageStatus(runDir, 'perception').value!.state, 'succeeded');
  });

  it('stops the trainer on request: SIGTERM to its process group, stage cancelled, nothing left running', async () => {
    const runDir = newRun(10000);
    let cancel = false;
    const s = capture(runDir, 'perception');
    const done = runExternalStage({ runDir, stageId: 'perception', out: s.out, pollMs: 50, graceMs: 5000, cancelRequested: () => cancel, trainerOutput: quiet });
    for (let i = 0; i < 200 && readJsonl(join(runDir, 'stages/perception/metrics.jsonl')).records.length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    cancel = true;
    assert.equal(await done, 'cancelled');
    const st = readStageStatus(runDir, 'perception').value!;
    assert.equal(st.state, 'cancelled');
    assert.equal(st.exit_code, 143, 'the trainer handled SIGTERM and exited');
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(runDir, 'stages/perception/easyr1'));
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, []);
  });

  it('reports a trainer failure and a missing parent model with what to do', async () => {
    const runDir = newRun(2);
    process.env.FAKE_EXIT_CODE = '3';
    try {
      assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: capture(runDir, 'perception').out, pollMs: 50, trainerOutput: quiet }), 'failed');
    } finally {
      delete process.env.FAKE_EXIT_CODE;
    }
    const st = readStageStatus(runDir, 'perception').value!;
    assert.equal(st.exit_code, 3);
    assert.match(st.error!, /easyr1 exited with code 3 \(its output is in log\.txt\)/);
    assert.equal(await runExternalStage({ runDir, stageId: 'textual', out: capture(runDir, 'textual').out }), 'failed');
    assert.match(readStageStatus(runDir, 'textual').value!.error!, /starts from stage perception's final model, but perception is failed: run perception to the end first/);
    assert.equal(existsSync(join(runDir, 'stages/textual/easyr1')), false, 'nothing was started');
    // A second launch of a stage with progress needs an explicit choice.
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', out: capture(runDir, 'perception').out }), 'failed');
    assert.match(readStageStatus(runDir, 'perception').value!.error!, /already has progress .* --resume .* --restart/);
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', restart: true, out: capture(runDir, 'perception').out, pollMs: 50, trainerOutput: quiet }), 'succeeded');
    // A parent that finished but whose final model is gone.
    rmSync(join(runDir, 'stages/perception/easyr1/global_step_2'), { recursive: true });
    assert.equal(await runExternalStage({ runDir, stageId: 'textual', out: capture(runDir, 'textual').out }), 'failed');
    assert.match(readStageStatus(runDir, 'textual').value!.error!, /final model .*global_step_2\/actor\/huggingface, which does not exist: run perception first/);
  });

  it('runs EasyR1 b44b311 (no reward_type key: the module says its type) and our reward module when the recipe\'s weights are not EasyR1\'s', async () => {
    const runDir = newRun(2, 'b44b311', '\n  reward: { accuracy_weight: 0.5, format_weight: 0.25 }');
    const lines: string[] = [];
    const out = new StageOutput(runDir, 'perception', { write: () => undefined }, { write: (l) => lines.push(l) });
    assert.equal(await runExternalStage({ runDir, stageId: 'perception', out, pollMs: 50, trainerOutput: quiet }), 'succeeded');
    const log = lines.join('\n');
    assert.match(log, /easyr1 b44b311: hiyouga\/EasyR1 b637de8/);
    assert.doesNotMatch(log, /reward_type=/);
    assert.ok(log.includes('see2think_reward.py:easyr1_compute_score'), log);
    assert.ok(existsSync(join(runDir, 'stages/perception/see2think_reward.py')) && existsSync(join(runDir, 'stages/perception/see2think_reward.json')));
    // The module computed 0.5·accuracy + 0.25·format: 0.75 for a right boxed answer, 0.25 for a wrong one.
    const scores = readFileSync(join(runDir, 'stages/perception/easyr1/generations.log'), 'utf8').match(/\[score\] .*/g)!.slice(0, 4);
    assert.deepEqual(scores, ['[score] 0.75', '[score] 0.75', '[score] 0.25', '[score] 0.25']);
  });

  it('the stand-in reads the compiled command as strictly as EasyR1: every version\'s command passes, a misspelled key or a removed one exits 1', () => {
    const dry = (argv: string[], version: string) => spawnSync(argv[0], argv.slice(1), { cwd: FAKE, encoding: 'utf8', env: { ...process.env, FAKE_UPSTREAM: version, FAKE_DRY_RUN: '1' } });
    for (const version of ['d146d24', 'b44b311']) {
      const runDir = newRun(2, version);
      const { resolved } = loadRecipeFile(join(work, 'b.recipe.yaml'));
      const c = compileStage({ recipe: resolved, stageId: 'perception', runDir, recipeDir: work });
      const ok = dry(c.argv, version);
      assert.equal(ok.status, 0, ok.stderr);
      const typo = dry(c.argv.map((a) => a.replace('worker.actor.clip_ratio_high=', 'worker.actor.clip_ratio_hihg=')), version);
      assert.equal(typo.status, 1);
      assert.match(typo.stderr, /ConfigKeyError: Key 'clip_ratio_hihg' not in/);
      rmSync(runDir, { recursive: true, force: true });
    }
    // The paper's reward_type on a version that removed it: what current EasyR1 does with the old command.
    const runDir = newRun(2, 'd146d24');
    const { resolved } = loadRecipeFile(join(work, 'b.recipe.yaml'));
    const old = compileStage({ recipe: resolved, stageId: 'perception', runDir, recipeDir: work });
    const r = dry(old.argv, 'b44b311');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Key 'reward_type' not in/);
  });
});
