// Stages → external trainer command lines: the exact EasyR1 argv of the paper's staged example, verl, TRL and
// `command` argvs, placeholders, overrides, checkpoint chaining, and errors a user can act on.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRecipeFile, validateRecipeText } from '../../core/recipe/loadRecipe';
import { compileStage } from '../../core/external/compile';
import { CompileError } from '../../core/external/compiled';
import { SubstitutionError, substitute } from '../../core/external/substitute';
import { formatArgv, formatCompiledStage, shellQuote } from '../../core/external/display';
import { pyFloat } from '../../core/external/values';
import type { ResolvedRecipe } from '../../protocol/recipe';

const ROOT = resolve(__dirname, '../..');
const EX = join(ROOT, 'examples');
const RUN = '/runs/paper-easyr1/run-1';

function recipeOf(yaml: string): ResolvedRecipe {
  const r = validateRecipeText(yaml, 'test.recipe.yaml');
  assert.ok(r.resolved, r.problems.map((p) => p.message).join('\n'));
  return r.resolved;
}

describe('EasyR1 command line of the paper example (examples/easyr1.recipe.yaml)', () => {
  const { resolved } = loadRecipeFile(join(EX, 'easyr1.recipe.yaml'));
  const compile = (stageId: string) => compileStage({ recipe: resolved, stageId, runDir: RUN, recipeDir: EX });

  it('stage 1 (perception, 90 steps) compiles to this exact argv', () => {
    const c = compile('perception');
    assert.deepEqual(c.argv, [
      'python3', '-m', 'verl.trainer.main',
      `config=${ROOT}/VLM-CapCurriculum/training/configs/config.yaml`,
      `data.train_files=${ROOT}/data/Perception/perception_difficulty_curriculum.jsonl`,
      'data.val_files=hiyouga/geometry3k@test',
      'data.prompt_key=problem',
      'data.answer_key=answer',
      'data.image_key=images',
      'data.max_response_length=2048',
      'data.rollout_batch_size=512',
      'data.seed=1',
      'algorithm.adv_estimator=grpo',
      'algorithm.disable_kl=false',
      'algorithm.use_kl_loss=true',
      'algorithm.kl_penalty=low_var_kl',
      'algorithm.kl_coef=0.01',
      'worker.actor.model.model_path=Qwen/Qwen2.5-VL-7B-Instruct',
      'worker.actor.model.freeze_vision_tower=false',
      'worker.actor.global_batch_size=128',
      'worker.actor.ppo_epochs=1',
      'worker.actor.max_grad_norm=1.0',
      'worker.actor.clip_ratio_low=0.2',
      'worker.actor.clip_ratio_high=0.3',
      'worker.actor.clip_ratio_dual=3.0',
      'worker.actor.optim.lr=1.0e-6',
      'worker.actor.optim.weight_decay=0.01',
      'worker.rollout.n=5',
      'worker.rollout.temperature=1.0',
      'worker.rollout.top_p=1.0',
      'worker.rollout.val_override_config.temperature=0.6',
      'worker.rollout.val_override_config.top_p=0.95',
      'worker.rollout.val_override_config.n=1',
      `worker.reward.reward_function=${EX}/../VLM-CapCurriculum/training/reward_functions/math.py:compute_score`,
      'worker.reward.reward_type=batch',
      'trainer.project_name=paper-easyr1',
      'trainer.experiment_name=paper-easyr1-perception',
      "trainer.logger=['console','file']",
      'trainer.max_steps=90',
      'trainer.save_freq=12',
      'trainer.val_freq=6',
      'trainer.val_before_train=true',
      'trainer.val_generations_to_log=200',
      `trainer.save_checkpoint_path=${RUN}/stages/perception/easyr1`,
      `data.format_prompt=${EX}/../VLM-CapCurriculum/training/format_prompts/math.jinja`,
      'data.max_prompt_length=2048',
      'worker.actor.offload.offload_params=false',
      'worker.actor.offload.offload_optimizer=false',
      'worker.actor.fsdp.torch_dtype=bf16',
      'worker.actor.optim.strategy=adamw_bf16',
      'worker.rollout.gpu_memory_utilization=0.7',
      'worker.rollout.tensor_parallel_size=1',
      'trainer.n_gpus_per_node=8',
      `data.image_dir=${EX}/../data/Perception/images`,
      'worker.actor.micro_batch_size_per_device_for_update=16',
      'worker.actor.micro_batch_size_per_device_for_experience=32',
    ]);
    assert.equal(c.cwd, join(ROOT, 'EasyR1'));
    assert.deepEqual(c.env, { PYTHONUNBUFFERED: '1', PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True' });
    assert.deepEqual(c.read, { kind: 'easyr1', dir: `${RUN}/stages/perception/easyr1` });
    assert.deepEqual(c.after.map((s) => s.argv), [['python3', 'scripts/model_merger.py', '--local_dir', `${RUN}/stages/perception/easyr1/global_step_90/actor`]]);
    assert.deepEqual(c.notes, []);
  });

  it('stages 2 and 3 start from the previous stage\'s final merged checkpoint; the vision tower is frozen only in stage 2', () => {
    const textual = compile('textual');
    const visual = compile('visual');
    const arg = (argv: string[], key: string) => argv.find((a) => a.startsWith(key + '='))?.slice(key.length + 1);
    assert.equal(arg(textual.argv, 'worker.actor.model.model_path'), `${RUN}/stages/perception/easyr1/global_step_90/actor/huggingface`);
    assert.equal(arg(visual.argv, 'worker.actor.model.model_path'), `${RUN}/stages/textual/easyr1/global_step_375/actor/huggingface`);
    assert.deepEqual([textual, visual].map((c) => arg(c.argv, 'worker.actor.model.freeze_vision_tower')), ['true', 'false']);
    assert.deepEqual([textual, visual].map((c) => arg(c.argv, 'trainer.max_steps')), ['375', '465']);
    assert.equal(arg(textual.argv, 'data.image_dir'), undefined, 'text-only stage has no image folder');
    assert.equal(arg(visual.argv, 'worker.actor.micro_batch_size_per_device_for_update'), '8');
  });

  it('prefers the checkpoint a run actually recorded for the previous stage', () => {
    const run = mkdtempSync(join(tmpdir(), 's2t-chain-'));
    try {
      const merged = join(run, 'stages/perception/easyr1/global_step_84/actor/huggingface');
      mkdirSync(merged, { recursive: true });
      mkdirSync(join(run, 'stages/perception/checkpoints/step-84'), { recursive: true });
      writeFileSync(join(run, 'stages/perception/checkpoints/step-84/meta.json'), JSON.stringify({ step: 84, stage: 'perception', model_path: merged }));
      const c = compileStage({ recipe: resolved, stageId: 'textual', runDir: run, recipeDir: EX });
      assert.equal(c.initCheckpoint, merged);
      assert.ok(c.argv.includes(`worker.actor.model.model_path=${merged}`));
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });

  it('Show Command prints the command as a person would paste it', () => {
    const text = formatCompiledStage(compile('perception'));
    assert.match(text, /^# stage 'perception' \(easyr1\), starts from: Qwen\/Qwen2\.5-VL-7B-Instruct\n/);
    assert.match(text, /\ncd \S+\/EasyR1\nPYTHONUNBUFFERED=1 PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True \\\npython3 -m verl\.trainer\.main \\\n {4}config=/);
    assert.match(text, / {4}'trainer\.logger=\['\\''console'\\'','\\''file'\\''\]' \\\n/);
    assert.match(text, /# then: merge the final actor checkpoint/);
  });
});

const BASE = `
name: ext
model: { trainer: TRAINER, path: org/base-model, python: /opt/py/bin/python, cwd: ., script: train_grpo.py, overrides: { trainer.save_freq: 3 } }
defaults: { algorithm: { rollout_n: 4, lr: 2.0e-6, kl_coef: 0.0, val_temperature: 0 } }
stages:
  - id: s1
    kind: perception
    steps: 6
    data: { file: data/train.parquet, val_file: data/val.parquet }
    overrides: { data.max_prompt_length: 1024, --gradient_accumulation_steps: 2 }
  - id: s2
    kind: textual-reasoning
    steps: 4
    data: { file: hiyouga/math12k@train }
`;

describe('verl, TRL and command trainers', () => {
  it('verl: main_ppo Hydra overrides, file logger env, dumps and hf_model checkpoints', () => {
    const recipe = recipeOf(BASE.replace('TRAINER', 'verl').replace(', --gradient_accumulation_steps: 2', ''));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    const out = '/r/stages/s1/verl';
    assert.deepEqual(c.argv, [
      '/opt/py/bin/python', '-m', 'verl.trainer.main_ppo',
      'algorithm.adv_estimator=grpo', 'algorithm.use_kl_in_reward=false',
      'data.train_files=/rec/data/train.parquet', 'data.val_files=/rec/data/val.parquet', 'data.prompt_key=problem', 'data.image_key=images',
      'data.train_batch_size=512', 'data.max_response_length=2048', 'data.seed=1',
      'actor_rollout_ref.model.path=org/base-model', 'actor_rollout_ref.actor.optim.lr=2.0e-6', 'actor_rollout_ref.actor.optim.weight_decay=0.01',
      'actor_rollout_ref.actor.ppo_mini_batch_size=128', 'actor_rollout_ref.actor.ppo_epochs=1', 'actor_rollout_ref.actor.grad_clip=1.0',
      'actor_rollout_ref.actor.clip_ratio_low=0.2', 'actor_rollout_ref.actor.clip_ratio_high=0.3', 'actor_rollout_ref.actor.clip_ratio_c=3.0', 'actor_rollout_ref.actor.use_kl_loss=false',
      'actor_rollout_ref.actor.kl_loss_coef=0.0', 'actor_rollout_ref.actor.kl_loss_type=low_var_kl', 'actor_rollout_ref.actor.freeze_vision_tower=false',
      "actor_rollout_ref.actor.checkpoint.save_contents=['model','optimizer','extra','hf_model']",
      'actor_rollout_ref.rollout.n=4', 'actor_rollout_ref.rollout.temperature=1.0', 'actor_rollout_ref.rollout.top_p=1.0',
      'actor_rollout_ref.rollout.val_kwargs.temperature=0.0', 'actor_rollout_ref.rollout.val_kwargs.top_p=0.95', 'actor_rollout_ref.rollout.val_kwargs.n=1',
      'actor_rollout_ref.rollout.val_kwargs.do_sample=false',
      'trainer.project_name=ext', 'trainer.experiment_name=ext-s1', "trainer.logger=['console','file']", 'trainer.total_training_steps=6',
      'trainer.save_freq=3', 'trainer.test_freq=5', 'trainer.val_before_train=true', `trainer.default_local_dir=${out}`,
      `trainer.rollout_data_dir=${out}/rollout`, `trainer.validation_data_dir=${out}/validation`, 'data.max_prompt_length=1024',
    ]);
    assert.deepEqual(c.env, { PYTHONUNBUFFERED: '1', VERL_FILE_LOGGER_PATH: `${out}/metrics.jsonl` });
    assert.equal(c.cwd, '/rec');
    const s2 = compileStage({ recipe, stageId: 's2', runDir: '/r', recipeDir: '/rec' });
    assert.ok(s2.argv.includes('actor_rollout_ref.model.path=/r/stages/s1/verl/global_step_6/actor/huggingface'));
    assert.ok(s2.argv.includes('data.train_files=hiyouga/math12k@train'), 'a Hub dataset id is passed as written');
  });

  it('TRL: the user script with GRPOConfig flags; overrides become --flags', () => {
    const recipe = recipeOf(BASE.replace('TRAINER', 'trl').replace('trainer.save_freq: 3', 'save_total_limit: 2'));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(c.argv, [
      '/opt/py/bin/python', '/rec/train_grpo.py', '--model_name_or_path', 'org/base-model', '--output_dir', '/r/stages/s1/trl',
      '--dataset_name', '/rec/data/train.parquet', '--max_steps', '6', '--learning_rate', '2.0e-6', '--weight_decay', '0.01',
      '--max_grad_norm', '1.0', '--num_generations', '4', '--num_iterations', '1', '--temperature', '1.0', '--top_p', '1.0',
      '--beta', '0.0', '--epsilon', '0.2', '--epsilon_high', '0.3', '--max_completion_length', '2048', '--save_steps', '5',
      '--logging_steps', '1', '--log_completions', 'true', '--seed', '1', '--save_total_limit', '2', '--data.max_prompt_length', '1024',
      '--gradient_accumulation_steps', '2',
    ]);
    const s2 = compileStage({ recipe, stageId: 's2', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(s2.argv.slice(2, 4), ['--model_name_or_path', '/r/stages/s1/trl/checkpoint-6']);
  });

  it('command: an argument vector with ${…} placeholders substituted inside arguments, never through a shell', () => {
    const recipe = recipeOf(`
name: cmd
model:
  trainer: command
  command: [python3, my train.py, "--out=\${stage_dir}", "--from", "\${init_checkpoint}", "--steps=\${steps}", "$(rm -rf ~); echo \${stage_id}", "cost: $$5"]
  env: { RUN: "\${run_dir}" }
stages:
  - { id: a, kind: perception, steps: 3 }
  - { id: b, kind: visual-reasoning, steps: 2 }
`);
    const c = compileStage({ recipe, stageId: 'b', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(c.argv, ['python3', 'my train.py', '--out=/r/stages/b', '--from', '/r/stages/a/checkpoints/step-3', '--steps=2', '$(rm -rf ~); echo b', 'cost: $5']);
    assert.equal(c.env.RUN, '/r');
    assert.equal(c.env.S2T_STAGE_DIR, '/r/stages/b');
    assert.equal(c.env.PYTHONUNBUFFERED, undefined);
    assert.deepEqual(c.read, { kind: 'command' });
    assert.equal(formatArgv(c.argv.slice(6, 7)), "'$(rm -rf ~); echo b'", 'shown quoted, run as one argument');
  });

  it('EasyR1 with a base config: data files and the first model may come from it (keys left out)', () => {
    const recipe = recipeOf('name: c\nmodel: { trainer: easyr1, config: base.yaml }\nstages:\n  - { id: a, kind: perception, steps: 2 }\n  - { id: b, kind: visual-reasoning, steps: 2 }\n');
    const a = compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' });
    assert.equal(a.argv[3], 'config=/rec/base.yaml');
    assert.equal(a.argv.some((x) => x.startsWith('data.train_files=') || x.startsWith('worker.actor.model.model_path=')), false);
    const b = compileStage({ recipe, stageId: 'b', runDir: '/r', recipeDir: '/rec' });
    assert.ok(b.argv.includes('worker.actor.model.model_path=/r/stages/a/easyr1/global_step_2/actor/huggingface'), 'later stages always start from the previous one');
  });

  it("EasyR1's own reward functions get the recipe's format weight and their reward type; a user's own gets neither", () => {
    const compileWith = (reward: string, overrides = '') => {
      const recipe = recipeOf(`name: w\nmodel: { trainer: easyr1, path: org/m }\nstages:\n  - { id: a, kind: perception, steps: 2, data: { file: t.jsonl }, reward: ${reward}${overrides} }\n`);
      return compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' });
    };
    const arg = (argv: string[], key: string) => argv.find((a) => a.startsWith(key + '='))?.slice(key.length + 1);
    const math = compileWith('{ name: math }');
    assert.deepEqual(['reward_function', 'reward_type', 'reward_function_kwargs.format_weight'].map((k) => arg(math.argv, `worker.reward.${k}`)),
      ['./examples/reward_function/math.py:compute_score', 'batch', '0.1']);
    assert.deepEqual(math.notes, []);
    // r1v.py's own default is 0.5: the recipe's 0.1 must be passed.
    const r1v = compileWith('{ name: r1v }');
    assert.deepEqual([arg(r1v.argv, 'worker.reward.reward_type'), arg(r1v.argv, 'worker.reward.reward_function_kwargs.format_weight')], ['sequential', '0.1']);
    const uneven = compileWith('{ accuracy_weight: 1.0, format_weight: 0.2 }');
    assert.equal(arg(uneven.argv, 'worker.reward.reward_function_kwargs.format_weight'), '0.2');
    assert.match(uneven.notes.join('\n'), /accuracy as 1 − format_weight = 0\.8, not the recipe's accuracy_weight 1/);
    const own = compileWith('{ format_weight: 0.3, accuracy_weight: 0.7 }', ', overrides: { worker.reward.reward_function: /mine.py:score }');
    assert.equal(arg(own.argv, 'worker.reward.reward_function'), '/mine.py:score');
    assert.equal(arg(own.argv, 'worker.reward.reward_function_kwargs.format_weight'), undefined, 'not passed to a function that may not take it');
    assert.match(own.notes.join('\n'), /0\.7\/0\.3 are not passed to your worker\.reward\.reward_function/);
  });

  it('names the field to fix when a stage cannot be compiled', () => {
    // The recipe checks report these before a launch (externalChecks.test.ts); compile still refuses them.
    const noData = recipeOf(BASE.replace('TRAINER', 'easyr1'));
    noData.stages[1].data = { ...noData.stages[1].data, file: undefined, generator: 'textual-reasoning' };
    assert.throws(() => compileStage({ recipe: noData, stageId: 's2', runDir: '/r', recipeDir: '/rec' }), (e: Error) => e instanceof CompileError && /stage 's2'.*set data\.file/.test(e.message));
    const noPath = recipeOf(BASE.replace('TRAINER', 'easyr1'));
    noPath.model = { ...noPath.model, path: undefined };
    assert.throws(() => compileStage({ recipe: noPath, stageId: 's1', runDir: '/r', recipeDir: '/rec' }), /model\.path .* is not set/);
    const badVar = recipeOf(BASE.replace('TRAINER', 'easyr1'));
    badVar.stages[0].overrides = { ...badVar.stages[0].overrides, 'trainer.x': '${nope}' };
    assert.throws(() => compileStage({ recipe: badVar, stageId: 's1', runDir: '/r', recipeDir: '/rec' }), (e: Error) => e instanceof SubstitutionError && /overrides\.trainer\.x: unknown placeholder \$\{nope\}/.test(e.message));
    assert.throws(() => compileStage({ recipe: noData, stageId: 'zz', runDir: '/r', recipeDir: '/rec' }), /no stage 'zz'.*stages: s1, s2/);
    const builtin = recipeOf('name: b\nstages: [{ id: a, kind: sft, steps: 1 }]');
    assert.throws(() => compileStage({ recipe: builtin, stageId: 'a', runDir: '/r', recipeDir: '/rec' }), /built-in trainer/);
  });
});

describe('command-line values', () => {
  it('floats keep a decimal point, small ones in EasyR1 style', () => {
    assert.deepEqual([1, 0.6, 1e-6, 2.5e-7, 1e-2, 1234.5, -3e-5, NaN].map(pyFloat), ['1.0', '0.6', '1.0e-6', '2.5e-7', '0.01', '1234.5', '-3.0e-5', '.nan']);
  });
  it('shell quoting for display is safe for any string', () => {
    assert.equal(shellQuote('a=b/c'), 'a=b/c');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote(`it's $(x) \`y\` "z"`), `'it'\\''s $(x) \`y\` "z"'`);
  });
  it('substitution: known names, $$, unknown names reported', () => {
    assert.equal(substitute('${a}-${a}/$${a}', { a: 'x' }, 'w'), 'x-x/${a}');
    assert.throws(() => substitute('${b}', { a: 'x' }, 'model.command[2]'), /model\.command\[2\]: unknown placeholder \$\{b\} \(known: \$\{a\}/);
  });
});

