// Recipe checks for external trainers and the SLURM target: positioned problems before any launch — among
// them every way the table found to crash an EasyR1, verl or TRL stage at startup or train something
// other than the recipe says, checked against the trainer's version (a clone and data files on disk where
// the check needs them).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { formatProblem } from '../../core/recipe/problems';
import { defaultCheckEnvironment } from '../../core/recipe/environment';

const problems = (yaml: string, dir?: string) => validateRecipeText(yaml, 'r.recipe.yaml', dir ? defaultCheckEnvironment(dir) : {}).problems
  .filter((p) => p.code.startsWith('external/') || p.code.startsWith('slurm/'))
  .map((p) => formatProblem('r.recipe.yaml', p));

describe('recipe checks: external trainers and SLURM', () => {
  it('an external trainer needs prompts from a file, a first model, a TRL script, known placeholders', () => {
    assert.deepEqual(problems(`name: x
model:
  trainer: easyr1
  cwd: EasyR1
  overrides: { trainer.save_checkpoint_path: "\${stage_dir}/x", trainer.max_step: "\${nope}" }
stages:
  - id: a
    kind: perception
    steps: 3
    data: { generator: perception, val_file: v.jsonl }
  - id: b
    kind: visual-reasoning
    steps: 3
`), [
      "r.recipe.yaml:3:12: error: stage 'a' starts from the base model: set model.path (a Hugging Face id or a model folder)",
      "r.recipe.yaml:5:64: error: EasyR1 b44b311 has no key 'trainer.max_step' (did you mean trainer.max_steps?): it would stop at startup (OmegaConf rejects unknown keys)",
      'r.recipe.yaml:5:82: error: unknown placeholder ${nope} (known: ${stage_dir}, ${stage_id}, ${steps}, ${init_checkpoint}, ${run_dir}, ${recipe_dir}, ${output_dir}; write $$ for a literal $)',
      'r.recipe.yaml:10:24: error: the built-in task generators feed the built-in trainer only; the easyr1 trainer reads prompts from data.file',
      "r.recipe.yaml:11:5: error: stage 'b': the easyr1 trainer reads its prompts from a file: set data.file (JSONL, Parquet or a Hub dataset id)",
      `r.recipe.yaml:11:5: error: stage 'b': EasyR1 always builds a validation set (data.val_files, default "") and stops without one: set data.val_file`,
    ]);
    assert.deepEqual(problems('name: x\nmodel: { trainer: builtin, overrides: { a: 1 } }\nstages: [{ id: a, kind: sft, steps: 1 }]\n'), [
      'r.recipe.yaml:2:28: warning: overrides are passed to external trainers only; the built-in trainer ignores them',
    ]);
  });

  it('SLURM settings: plain #SBATCH tokens, SLURM times, one option per sbatch_args item; ignored without slurm', () => {
    assert.deepEqual(problems(`name: x
defaults:
  launch: { target: slurm, partition: "gpu debug", time: "1.5", sbatch_args: ["--qos=high", "--wrap=rm -rf /"] }
stages:
  - { id: a, kind: sft, steps: 1 }
  - { id: b, kind: perception, steps: 1 }
  - { id: c, kind: perception, steps: 1, launch: { target: local } }
`), [
      "r.recipe.yaml:3:39: error: 'gpu debug' is not allowed in an #SBATCH line (letters, digits and _ . : , / @ % + = - [ ] only) in stages 'a', 'b'",
      "r.recipe.yaml:3:58: error: '1.5' — SLURM takes whole minutes (e.g. 2) or HH:MM:SS in stages 'a', 'b'",
      "r.recipe.yaml:3:93: error: --wrap is set by See2Think (output goes to the stage's log.txt) in stages 'a', 'b'",
      "r.recipe.yaml:7:60: warning: partition, time, sbatch_args are SLURM settings, ignored with target 'local' in stage 'c'",
    ]);
  });
});

describe('recipe checks: what each trainer version would crash on or silently ignore', () => {
  let dir: string;
  const clone = (markers: Record<string, string>) => {
    for (const [f, text] of Object.entries(markers)) {
      mkdirSync(join(dir, 'EasyR1', f, '..'), { recursive: true });
      writeFileSync(join(dir, 'EasyR1', f), text);
    }
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-checks-'));
    mkdirSync(join(dir, 'data'));
    // EasyR1-format data (the paper's): a string prompt and an answer column.
    writeFileSync(join(dir, 'data/easyr1.jsonl'), '{"problem": "What is 2+3?", "answer": "5", "images": []}\n');
    writeFileSync(join(dir, 'data/verl.jsonl'), JSON.stringify({ data_source: 'geo', prompt: [{ role: 'user', content: 'What is 2+3?' }], reward_model: { ground_truth: '5' } }) + '\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const EASYR1 = (version: string, extra = '', stage = '') => `name: e
model:
  trainer: easyr1
  trainer_version: ${version}
  path: org/m
  cwd: EasyR1${extra}
stages:
  - { id: a, kind: perception, steps: 2, data: { file: data/easyr1.jsonl${stage} } }
`;

  it('EasyR1: no validation set, a relative reward function EasyR1 looks for in its clone, environment main.py overrides, a folder that is no clone', () => {
    clone({ 'verl/trainer/main.py': '', 'scripts/model_merger.py': '', 'examples/reward_function/math.py': '' });
    assert.deepEqual(problems(EASYR1('d146d24', '\n  env: { PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True" }\n  overrides: { worker.reward.reward_function: ./my_reward.py:score }'), dir), [
      'r.recipe.yaml:7:35: error: EasyR1 d146d24\'s verl/trainer/main.py sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False for its Ray workers (ray.init runtime_env), so expandable_segments:True never reaches training: remove it, or change the value in main.py',
      `r.recipe.yaml:8:47: error: EasyR1 looks for './my_reward.py' in its working directory ${join(dir, 'EasyR1')}, where it is not: it would drop the setting silently and stop with "Reward function is not provided."; write an absolute path or \${recipe_dir}/…`,
      `r.recipe.yaml:10:42: error: stage 'a': EasyR1 always builds a validation set (data.val_files, default "") and stops without one: set data.val_file`,
    ]);
    rmSync(join(dir, 'EasyR1/verl'), { recursive: true });
    assert.deepEqual(problems(EASYR1('d146d24', '', ', val_file: data/easyr1.jsonl'), dir), [
      `r.recipe.yaml:6:8: error: ${join(dir, 'EasyR1')} is not an EasyR1 clone (no verl/trainer/main.py): EasyR1 runs as \`python3 -m verl.trainer.main\` from its clone; set model.cwd to it`,
    ]);
  });

  it("EasyR1: a base config with a key the version lacks (the paper's reward_type after b637de8), named by file and line", () => {
    clone({ 'verl/trainer/main.py': '', 'scripts/model_merger.py': '', 'examples/reward_function/math.py': '' });
    writeFileSync(join(dir, 'config.yaml'), 'data:\n  val_files: hiyouga/geometry3k@test\nworker:\n  reward:\n    reward_type: batch\n');
    assert.deepEqual(problems(EASYR1('b44b311', '\n  config: config.yaml'), dir), [
      `r.recipe.yaml:7:11: error: ${join(dir, 'config.yaml')}:5: 'worker.reward.reward_type' is not a key of EasyR1 b44b311: EasyR1 would stop at startup; remove it or use a version that has it (model.trainer_version)`,
    ]);
    assert.deepEqual(problems(EASYR1('d146d24', '\n  config: config.yaml'), dir), [], 'the base config names the validation files');
  });

  it('EasyR1: a clone older than the file logger is refused where it is set', () => {
    clone({ 'verl/trainer/main.py': '', 'verl/utils/logger/logger.py': 'class ConsoleLogger:\n    pass\n' });
    const p = problems(EASYR1('d146d24', '').replace('  trainer_version: d146d24\n', ''), dir);
    assert.match(p[0], /^r\.recipe\.yaml:5:8: error: .*has no FileLogger \(EasyR1 older than cec1814\): update EasyR1 to a supported version/);
  });

  it('verl: EasyR1-format data, Hub ids, .jsonl before 0.8, no validation set', () => {
    const VERL = (version: string, data: string) => `name: v\nmodel: { trainer: verl, trainer_version: ${version}, path: org/m }\nstages:\n  - { id: a, kind: perception, steps: 2, data: ${data} }\n`;
    assert.deepEqual(problems(VERL('1dda039', '{ file: data/easyr1.jsonl, val_file: data/verl.jsonl }'), dir), [
      `r.recipe.yaml:4:56: error: verl cannot train on ${join(dir, 'data/easyr1.jsonl')}: 'prompt' is missing, not a list of chat messages ({"role", "content"}) as RLHFDataset expects; no 'reward_model.ground_truth' (the ground truth verl's reward reads); no 'data_source' column. Convert it to verl's format (verl's examples/data_preprocess, e.g. geo3k.py), or set data.prompt_key to its messages column`,
    ]);
    assert.deepEqual(problems(VERL('1dda039', '{ file: data/verl.jsonl, val_file: data/verl.jsonl }'), dir), [], 'verl-format data passes');
    assert.deepEqual(problems(VERL('1dda039', '{ file: hiyouga/geometry3k@train, val_file: data/verl.jsonl }'), dir), [
      "r.recipe.yaml:4:56: error: verl reads local files only (.parquet, .json, .jsonl), not a Hub dataset id like 'hiyouga/geometry3k@train': download it and convert it to verl's format (verl's examples/data_preprocess) (verl 1dda039)",
    ]);
    assert.deepEqual(problems(VERL('b178a3c', '{ file: data/verl.jsonl, val_file: data/verl.jsonl }'), dir).map((x) => x.replace(/: error: verl reads \.parquet, \.json files here .*\(verl b178a3c\)$/, '')), ['r.recipe.yaml:4:56', 'r.recipe.yaml:4:83']);
    assert.deepEqual(problems(VERL('1dda039', '{ file: data/verl.jsonl }'), dir), [
      "r.recipe.yaml:4:42: error: stage 'a': verl always validates, and its default data.val_files is an example path: set data.val_file",
    ]);
  });

  it('TRL: rollout_n below 2, batch overrides GRPOConfig refuses, a validation set from another dataset, a script of the user\'s', () => {
    const TRL = (model: string, stage: string) => `name: t\nmodel: { trainer: trl, trainer_version: f2cd577, path: org/m${model} }\nstages:\n  - { id: a, kind: perception, steps: 2, ${stage} }\n`;
    assert.deepEqual(problems(TRL('', 'data: { file: org/a@train, val_file: org/b@test }, algorithm: { rollout_n: 1 }, overrides: { per_device_train_batch_size: 3 }')), [
      "r.recipe.yaml:4:79: error: TRL's GRPO script evaluates on a split of the training dataset: data.val_file must be org/a@<split>",
      "r.recipe.yaml:4:117: error: TRL's GRPO needs at least 2 generations per prompt (num_generations): rollout_n is 1",
      "r.recipe.yaml:4:122: error: generation_batch_size 512 must be divisible by per_device_train_batch_size 3 × the number of processes (TRL's GRPOConfig refuses it at startup)",
    ]);
    assert.deepEqual(problems(TRL(', script: train.py', 'data: { file: org/a@train }, algorithm: { freeze_vision_tower: true }')).map((x) => x.replace(/(warning: [^,]*),.*/, '$1')), [
      "r.recipe.yaml:2:71: warning: your script computes the reward",
      'r.recipe.yaml:4:105: warning: TRL trains every parameter: the vision tower is not frozen in stage \'a\'',
    ]);
  });

  it('a version of another trainer is refused at the setting', () => {
    assert.deepEqual(problems('name: v\nmodel: { trainer: trl, trainer_version: d146d24, path: m }\nstages: [{ id: a, kind: perception, steps: 1, data: { file: org/a@train } }]\n').map((x) => x.slice(0, 87)), [
      "r.recipe.yaml:2:41: error: 'd146d24' is not a supported trl version; supported: f2cd577",
    ]);
  });
});
