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
import { resolveRecipe, type Recipe, type ResolvedRecipe } from '../../protocol/recipe';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const EX = join(ROOT, 'examples');
const RUN = '/runs/paper-easyr1/run-1';

/** A recipe as compile sees it, without the checks that would refuse it first (compile's own refusals). */
const unchecked = (yaml: string): ResolvedRecipe => resolveRecipe(parseYaml(yaml) as Recipe);

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
      `worker.reward.reward_function=${EX}/../VLM-CapCurriculum/training/reward_functions/math.py:compute_score`,
      'trainer.n_gpus_per_node=8',
      `data.image_dir=${EX}/../data/Perception/images`,
      'worker.actor.micro_batch_size_per_device_for_update=16',
      'worker.actor.micro_batch_size_per_device_for_experience=32',
    ]);
    assert.equal(c.cwd, join(ROOT, 'EasyR1'));
    assert.deepEqual(c.env, { PYTHONUNBUFFERED: '1' });
    assert.deepEqual(c.read, { kind: 'easyr1', dir: `${RUN}/stages/perception/easyr1` });
    // The merger by absolute path: EasyR1 resolves relative paths against its working directory.
    assert.deepEqual(c.after.map((s) => s.argv), [['python3', join(ROOT, 'EasyR1/scripts/model_merger.py'), '--local_dir', `${RUN}/stages/perception/easyr1/global_step_90/actor`]]);
    assert.deepEqual(c.notes, []);
    assert.deepEqual({ ...c.version, range: undefined }, { id: 'd146d24', how: 'recipe', detail: 'model.trainer_version: d146d24', range: undefined });
    assert.deepEqual(c.files, [], 'the paper\'s own reward function: nothing of ours to put in place');
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
    assert.match(text, /^# stage 'perception' \(easyr1\), starts from: Qwen\/Qwen2\.5-VL-7B-Instruct\n# compiled for easyr1 d146d24: hiyouga\/EasyR1 cec1814 … d146d24 .*\n# {3}\(from model\.trainer_version: d146d24\)\n/);
    assert.match(text, /\ncd \S+\/EasyR1\nPYTHONUNBUFFERED=1 \\\npython3 -m verl\.trainer\.main \\\n {4}config=/);
    assert.match(text, / {4}'trainer\.logger=\['\\''console'\\'','\\''file'\\''\]' \\\n/);
    assert.match(text, /# then: merge the final actor checkpoint/);
  });
});

const BASE = `
name: ext
model: { trainer: TRAINER, trainer_version: VERSION, path: org/base-model, python: /opt/py/bin/python, cwd: ., overrides: { MODEL_OVERRIDE } }
defaults: { algorithm: { rollout_n: 4, lr: 2.0e-6, kl_coef: 0.0, val_temperature: 0 } }
stages:
  - id: s1
    kind: perception
    steps: 6
    data: { file: data/train.parquet, val_file: data/val.parquet }
    overrides: { data.max_prompt_length: 1024 }
  - id: s2
    kind: textual-reasoning
    steps: 4
    data: { file: data/math.parquet, val_file: data/val.parquet }
`;
const base = (trainer: string, version: string) => BASE.replace('TRAINER', trainer).replace('VERSION', version)
  .replace('MODEL_OVERRIDE', trainer === 'trl' ? 'save_total_limit: 3' : 'trainer.save_freq: 3')
  .replace('data.max_prompt_length: 1024', trainer === 'trl' ? 'disable_dropout: true' : 'data.max_prompt_length: 1024');

describe('verl, TRL and command trainers', () => {
  it('verl: main_ppo Hydra overrides, our reward as custom_reward_function, total_epochs never ending the run early', () => {
    const recipe = recipeOf(base('verl', 'b178a3c'));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    const out = '/r/stages/s1/verl';
    assert.deepEqual(c.argv, [
      '/opt/py/bin/python', '-m', 'verl.trainer.main_ppo',
      'algorithm.adv_estimator=grpo', 'algorithm.use_kl_in_reward=false',
      'data.train_files=/rec/data/train.parquet', 'data.val_files=/rec/data/val.parquet',
      'data.train_batch_size=512', 'data.max_response_length=2048', 'data.seed=1',
      'actor_rollout_ref.model.path=org/base-model', 'actor_rollout_ref.actor.optim.lr=2.0e-6', 'actor_rollout_ref.actor.optim.weight_decay=0.01',
      'actor_rollout_ref.actor.ppo_mini_batch_size=128', 'actor_rollout_ref.actor.ppo_epochs=1', 'actor_rollout_ref.actor.grad_clip=1.0',
      'actor_rollout_ref.actor.clip_ratio_low=0.2', 'actor_rollout_ref.actor.clip_ratio_high=0.3', 'actor_rollout_ref.actor.clip_ratio_c=3.0', 'actor_rollout_ref.actor.use_kl_loss=false',
      'actor_rollout_ref.actor.kl_loss_coef=0.0', 'actor_rollout_ref.actor.kl_loss_type=low_var_kl', 'actor_rollout_ref.actor.freeze_vision_tower=false',
      "actor_rollout_ref.actor.checkpoint.save_contents=['model','optimizer','extra','hf_model']",
      'actor_rollout_ref.rollout.n=4', 'actor_rollout_ref.rollout.temperature=1.0', 'actor_rollout_ref.rollout.top_p=1.0',
      'actor_rollout_ref.rollout.val_kwargs.temperature=0.0', 'actor_rollout_ref.rollout.val_kwargs.top_p=0.95', 'actor_rollout_ref.rollout.val_kwargs.n=1',
      'actor_rollout_ref.rollout.val_kwargs.do_sample=false',
      'custom_reward_function.path=/r/stages/s1/see2think_reward.py', 'custom_reward_function.name=verl_compute_score',
      'trainer.project_name=ext', 'trainer.experiment_name=ext-s1', "trainer.logger=['console','file']", 'trainer.total_training_steps=6',
      'trainer.total_epochs=6', 'trainer.save_freq=3', 'trainer.test_freq=5', 'trainer.val_before_train=true', `trainer.default_local_dir=${out}`,
      `trainer.rollout_data_dir=${out}/rollout`, `trainer.validation_data_dir=${out}/validation`, 'data.max_prompt_length=1024',
    ]);
    assert.deepEqual(c.env, { PYTHONUNBUFFERED: '1', VERL_FILE_LOGGER_PATH: `${out}/metrics.jsonl` });
    assert.equal(c.cwd, '/rec');
    assert.deepEqual(c.files!.map((f) => [f.path, !!f.copyFrom, f.content && JSON.parse(f.content)]), [
      ['/r/stages/s1/see2think_reward.py', true, undefined],
      ['/r/stages/s1/see2think_reward.json', false, { name: 'math', accuracy_weight: 0.9, format_weight: 0.1, format_pattern: '<think>.*</think>.*\\\\boxed\\{.*\\}.*', answer_key: 'answer' }],
    ]);
    const s2 = compileStage({ recipe, stageId: 's2', runDir: '/r', recipeDir: '/rec' });
    assert.ok(s2.argv.includes('actor_rollout_ref.model.path=/r/stages/s1/verl/global_step_6/actor/huggingface'));
    // verl ≥ 0.8 keeps the reward function under reward.custom_reward_function.
    const newer = compileStage({ recipe: recipeOf(base('verl', '1dda039')), stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(newer.argv.filter((a) => a.includes('custom_reward_function')), ['reward.custom_reward_function.path=/r/stages/s1/see2think_reward.py', 'reward.custom_reward_function.name=verl_compute_score']);
  });

  it('verl refuses what it cannot read: Hub ids, .jsonl before 0.8, no validation file', () => {
    const compileWith = (version: string, data: string) => () => compileStage({ recipe: unchecked(base('verl', version).replace('{ file: data/train.parquet, val_file: data/val.parquet }', data)), stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.throws(compileWith('1dda039', '{ file: hiyouga/geometry3k@train, val_file: data/val.parquet }'), /verl reads local files only .*not a Hub dataset id like 'hiyouga\/geometry3k@train'/);
    assert.throws(compileWith('b178a3c', '{ file: data/train.jsonl, val_file: data/val.parquet }'), /verl reads \.parquet, \.json files here .*convert 'data\/train\.jsonl' \(verl b178a3c\)/);
    assert.doesNotThrow(compileWith('1dda039', '{ file: data/train.jsonl, val_file: data/val.parquet }'));
    assert.throws(compileWith('1dda039', '{ file: data/train.parquet }'), /verl always validates.*set data\.val_file/);
  });

  it('TRL: its own GRPO script with our reward and weights; batch flags in full groups; steps scaled to optimizer steps', () => {
    const recipe = recipeOf(base('trl', 'f2cd577').replace('disable_dropout: true', '--save_total_limit: 2'));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    // 512 prompts per step, 128 per update: 4 optimizer steps per recipe step.
    assert.deepEqual(c.argv, [
      '/opt/py/bin/python', '-m', 'trl.scripts.grpo', '--model_name_or_path', 'org/base-model', '--output_dir', '/r/stages/s1/trl',
      '--dataset_name', '/r/stages/s1/trl-data', '--dataset_train_split', 'train', '--dataset_test_split', 'test',
      '--num_generations', '4', '--per_device_train_batch_size', '4', '--gradient_accumulation_steps', '128', '--generation_batch_size', '2048',
      '--num_iterations', '1', '--max_steps', '24', '--learning_rate', '2.0e-6', '--weight_decay', '0.01',
      '--max_grad_norm', '1.0', '--temperature', '1.0', '--top_p', '1.0', '--beta', '0.0', '--epsilon', '0.2', '--epsilon_high', '0.3',
      '--max_completion_length', '2048', '--save_steps', '20', '--logging_steps', '4', '--log_completions', 'true', '--report_to', 'none', '--seed', '1',
      '--eval_strategy', 'steps', '--eval_steps', '20', '--eval_on_start', 'true', '--num_generations_eval', '1', '--per_device_eval_batch_size', '8',
      '--reward_funcs', 'see2think_reward.accuracy_reward', 'see2think_reward.format_reward', '--reward_weights', '0.9', '0.1',
      '--save_total_limit', '2',
    ]);
    assert.equal(c.env.PYTHONPATH, '/r/stages/s1', 'the reward module is importable');
    assert.deepEqual(c.files!.map((f) => [f.path, f.linkTo]), [
      ['/r/stages/s1/trl-data/train.parquet', '/rec/data/train.parquet'], ['/r/stages/s1/trl-data/test.parquet', '/rec/data/val.parquet'],
      ['/r/stages/s1/see2think_reward.py', undefined], ['/r/stages/s1/see2think_reward.json', undefined],
    ]);
    assert.deepEqual(c.read, { kind: 'trl', dir: '/r/stages/s1/trl', layout: { stepsPerStep: 4, evalOnStart: true, evalSteps: 20, evalSampling: { temperature: 1, top_p: 1, n: 1 }, rewardWeights: { accuracy_reward: 0.9, format_reward: 0.1 } } });
    const s2 = compileStage({ recipe, stageId: 's2', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(s2.argv.slice(3, 5), ['--model_name_or_path', '/r/stages/s1/trl/checkpoint-24']);
  });

  it("TRL with the user's script: GRPOConfig flags, no reward flags, and a note that the recipe's reward does not reach it", () => {
    const recipe = recipeOf(base('trl', 'f2cd577').replace('cwd: .,', 'cwd: ., script: train_grpo.py,').replace('disable_dropout: true', 'my_own_flag: 2'));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.deepEqual(c.argv.slice(0, 2), ['/opt/py/bin/python', '/rec/train_grpo.py']);
    assert.equal(c.argv.includes('--reward_funcs'), false);
    assert.ok(c.argv.includes('--my_own_flag'), "a script's own flags pass");
    assert.match(c.notes.join('\n'), /your script computes the reward/);
  });

  it('TRL refuses a validation set from another dataset and mixed formats', () => {
    const compileWith = (data: string) => () => compileStage({ recipe: unchecked(base('trl', 'f2cd577').replace('{ file: data/train.parquet, val_file: data/val.parquet }', data)), stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.throws(compileWith('{ file: org/a@train, val_file: org/b@test }'), /must be org\/a@<split>/);
    assert.throws(compileWith('{ file: data/train.jsonl, val_file: data/val.parquet }'), /same format/);
    assert.throws(compileWith('{ file: org/a@train, val_file: data/val.parquet }'), /both be Hub ids .* or both local files/);
    const hub = compileWith('{ file: org/a@train, val_file: org/a@validation }')();
    assert.deepEqual(hub.argv.slice(7, 13), ['--dataset_name', 'org/a', '--dataset_train_split', 'train', '--dataset_test_split', 'validation']);
  });

  it('a misspelled override key is refused with the nearest real key', () => {
    const recipe = unchecked(base('easyr1', 'd146d24').replace('trainer.save_freq: 3', 'worker.actor.micro_batch_size_per_device_for_updat: 4'));
    assert.throws(() => compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' }),
      (e: Error) => e instanceof CompileError && /overrides\.worker\.actor\.micro_batch_size_per_device_for_updat: EasyR1 d146d24 has no key .*did you mean worker\.actor\.micro_batch_size_per_device_for_update/.test(e.message));
    const removed = unchecked(base('easyr1', 'b44b311').replace('trainer.save_freq: 3', 'worker.reward.reward_type: batch'));
    assert.throws(() => compileStage({ recipe: removed, stageId: 's1', runDir: '/r', recipeDir: '/rec' }), /EasyR1 b44b311 has no key 'worker\.reward\.reward_type'/);
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
    assert.equal(c.version, undefined);
    assert.equal(formatArgv(c.argv.slice(6, 7)), "'$(rm -rf ~); echo b'", 'shown quoted, run as one argument');
  });

  it('EasyR1 with a base config: data files and the first model may come from it (keys left out)', () => {
    const recipe = recipeOf('name: c\nmodel: { trainer: easyr1, trainer_version: d146d24, cwd: EasyR1, config: base.yaml }\nstages:\n  - { id: a, kind: perception, steps: 2 }\n  - { id: b, kind: visual-reasoning, steps: 2 }\n');
    const a = compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' });
    assert.equal(a.argv[3], 'config=/rec/base.yaml');
    assert.equal(a.argv.some((x) => x.startsWith('data.train_files=') || x.startsWith('data.val_files=') || x.startsWith('worker.actor.model.model_path=')), false);
    const b = compileStage({ recipe, stageId: 'b', runDir: '/r', recipeDir: '/rec' });
    assert.ok(b.argv.includes('worker.actor.model.model_path=/r/stages/a/easyr1/global_step_2/actor/huggingface'), 'later stages always start from the previous one');
  });

  it("EasyR1: its own reward functions by absolute path, reward_type only where the version has it; ours when the recipe's reward is not theirs", () => {
    const compileWith = (version: string, reward: string, overrides = '') => {
      const recipe = recipeOf(`name: w\nmodel: { trainer: easyr1, trainer_version: ${version}, path: org/m, cwd: ../EasyR1 }\nstages:\n  - { id: a, kind: perception, steps: 2, data: { file: t.jsonl, val_file: v.jsonl }, reward: ${reward}${overrides} }\n`);
      return compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' });
    };
    const arg = (argv: string[], key: string) => argv.find((a) => a.startsWith(key + '='))?.slice(key.length + 1);
    const keys = ['reward_function', 'reward_type', 'reward_function_kwargs.format_weight'].map((k) => `worker.reward.${k}`);
    const math = compileWith('d146d24', '{ name: math }');
    assert.deepEqual(keys.map((k) => arg(math.argv, k)), ['/EasyR1/examples/reward_function/math.py:compute_score', 'batch', '0.1']);
    assert.deepEqual([math.notes, math.files], [[], []]);
    // r1v.py's own default is 0.5: the recipe's 0.1 must be passed.
    const r1v = compileWith('d146d24', '{ name: r1v }');
    assert.deepEqual(keys.map((k) => arg(r1v.argv, k)), ['/EasyR1/examples/reward_function/r1v.py:compute_score', 'sequential', '0.1']);
    // After b637de8 the module's REWARD_TYPE decides: no reward_type key.
    const later = compileWith('b44b311', '{ name: r1v }');
    assert.deepEqual(keys.map((k) => arg(later.argv, k)), ['/EasyR1/examples/reward_function/r1v.py:compute_score', undefined, '0.1']);
    // Weights EasyR1's functions cannot express: See2Think's module, computing the recipe's reward.
    const uneven = compileWith('d146d24', '{ accuracy_weight: 1.0, format_weight: 0.2 }');
    assert.deepEqual(keys.map((k) => arg(uneven.argv, k)), ['/r/stages/a/see2think_reward.py:easyr1_compute_score', 'batch', undefined]);
    assert.deepEqual(uneven.files!.map((f) => f.path), ['/r/stages/a/see2think_reward.py', '/r/stages/a/see2think_reward.json']);
    assert.match(uneven.notes.join('\n'), /the reward is See2Think's .*not the recipe's 1\/0\.2/);
    const own = compileWith('d146d24', '{ format_weight: 0.3, accuracy_weight: 0.7 }', ', overrides: { worker.reward.reward_function: /mine.py:score }');
    assert.deepEqual(keys.map((k) => arg(own.argv, k)), ['/mine.py:score', undefined, undefined]);
    assert.match(own.notes.join('\n'), /0\.7\/0\.3, format_pattern\) does not reach your worker\.reward\.reward_function/);
  });

  it('EasyR1 refuses a stage without a validation file and environment its main.py overrides', () => {
    const recipe = unchecked('name: v\nmodel: { trainer: easyr1, trainer_version: d146d24, path: org/m }\nstages:\n  - { id: a, kind: perception, steps: 2, data: { file: t.jsonl } }\n');
    assert.throws(() => compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' }), /EasyR1 always builds a validation set .*set data\.val_file/);
    const env = unchecked('name: v\nmodel: { trainer: easyr1, trainer_version: d146d24, path: org/m, env: { PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True" } }\nstages:\n  - { id: a, kind: perception, steps: 2, data: { file: t.jsonl, val_file: v.jsonl } }\n');
    assert.throws(() => compileStage({ recipe: env, stageId: 'a', runDir: '/r', recipeDir: '/rec' }), /main\.py sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False for its Ray workers/);
  });

  it('without model.trainer_version and nothing to detect, compiles for the newest version and says so', () => {
    const recipe = recipeOf(base('verl', 'b178a3c').replace('trainer_version: b178a3c, ', ''));
    const c = compileStage({ recipe, stageId: 's1', runDir: '/r', recipeDir: '/rec' });
    assert.equal(c.version?.id, '1dda039');
    assert.equal(c.version?.how, 'assumed');
    assert.match(c.notes[0], /the verl version was not detected: compiled for 1dda039 .*set model\.trainer_version/);
  });

  it('names the field to fix when a stage cannot be compiled', () => {
    // The recipe checks report these before a launch (externalChecks.test.ts); compile still refuses them.
    const noData = recipeOf(base('easyr1', 'd146d24'));
    noData.stages[1].data = { ...noData.stages[1].data, file: undefined, generator: 'textual-reasoning' };
    assert.throws(() => compileStage({ recipe: noData, stageId: 's2', runDir: '/r', recipeDir: '/rec' }), (e: Error) => e instanceof CompileError && /stage 's2'.*set data\.file/.test(e.message));
    const noPath = recipeOf(base('easyr1', 'd146d24'));
    noPath.model = { ...noPath.model, path: undefined };
    assert.throws(() => compileStage({ recipe: noPath, stageId: 's1', runDir: '/r', recipeDir: '/rec' }), /model\.path .* is not set/);
    const badVar = recipeOf(base('easyr1', 'd146d24'));
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

