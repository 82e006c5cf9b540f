// A stage as a TRL run: TRL's own GRPO script (`python -m trl.scripts.grpo`) — or the recipe's model.script,
// which must parse the same dataclasses — with `--key value` flags (GRPOConfig, ModelConfig, ScriptArguments,
// checked against the facts of the TRL version). Without a script of the user's, the recipe's reward reaches
// TRL as our module's two reward functions with --reward_weights. A recipe step is several TRL optimizer
// steps (trlSteps.ts): the batch flags make each generation hold rollout_batch_size prompts × rollout_n
// completions in full groups and each optimizer step global_batch_size prompts, whatever the world size
// divides. Local data reaches the script as a folder whose train/test files datasets reads as splits.
import { extname, join } from 'node:path';
import type { StageContext } from '../stageContext';
import { dataPath, looksLikeHubId, recipePath } from '../stageContext';
import { Overrides, pyFloat, pyValue } from '../values';
import { checkKeys, CompileError, cwdOf, envOf, factsFor, overridesOf, pythonOf, requireData, requireInit, type CompiledStage, type StageFile } from '../compiled';
import { REWARD_ENTRY, REWARD_MODULE, rewardFiles } from '../rewardModule';
import { trlStepsPerStep } from './trlSteps';
import type { TrlLayout } from './trlRun';

/** `owner/name@split` → the dataset and its split. */
export function hubSplit(id: string, fallback: string): { name: string; split: string } {
  const at = id.indexOf('@');
  return at === -1 ? { name: id, split: fallback } : { name: id.slice(0, at), split: id.slice(at + 1) };
}

/** Why TRL's script cannot read this training/validation pair, or undefined. */
export function trlDataProblem(train: string, val: string | undefined): string | undefined {
  if (val === undefined) return undefined;
  const hubTrain = looksLikeHubId(train);
  const hubVal = looksLikeHubId(val);
  if (hubTrain !== hubVal) return `TRL's GRPO script reads training and validation from one dataset: data.file and data.val_file must both be Hub ids (owner/name@split) or both local files`;
  if (hubTrain && hubSplit(train, 'train').name !== hubSplit(val, 'test').name) return `TRL's GRPO script evaluates on a split of the training dataset: data.val_file must be ${hubSplit(train, 'train').name}@<split>`;
  if (!hubTrain && extname(train).toLowerCase() !== extname(val).toLowerCase()) return `TRL reads the local training and validation files as one dataset: they must have the same format (${extname(train) || 'none'} vs ${extname(val) || 'none'})`;
  return undefined;
}

export function compileTrl(c: StageContext): CompiledStage {
  const facts = factsFor(c, 'trl');
  const { recipe, stage } = c;
  const a = stage.algorithm;
  const d = stage.data;
  const k = trlStepsPerStep(stage);
  const script = recipe.model.script;
  const train = requireData(c);
  const why = trlDataProblem(train, d.val_file);
  if (why) throw new CompileError(`stage '${stage.id}': ${why}`);
  const files: StageFile[] = [];
  const o = new Overrides()
    .set('model_name_or_path', requireInit(c))
    .set('output_dir', c.outputDir);
  if (looksLikeHubId(train)) {
    const t = hubSplit(train, 'train');
    o.set('dataset_name', t.name).set('dataset_train_split', t.split);
    if (d.val_file) o.set('dataset_test_split', hubSplit(d.val_file, 'test').split);
  } else {
    // datasets reads a folder's train.<ext> / test.<ext> as the train and test splits.
    const dir = join(c.stageDir, 'trl-data');
    const ext = extname(train).toLowerCase();
    files.push({ path: join(dir, `train${ext}`), what: 'the training data, as the train split', linkTo: dataPath(c.recipeDir, train) });
    if (d.val_file) files.push({ path: join(dir, `test${ext}`), what: 'the validation data, as the test split', linkTo: dataPath(c.recipeDir, d.val_file) });
    o.set('dataset_name', dir).set('dataset_train_split', 'train');
    if (d.val_file) o.set('dataset_test_split', 'test');
  }
  o.int('num_generations', a.rollout_n)
    .int('per_device_train_batch_size', a.rollout_n)
    .int('gradient_accumulation_steps', a.global_batch_size)
    .int('generation_batch_size', a.rollout_batch_size * a.rollout_n)
    .int('num_iterations', a.ppo_epochs)
    .int('max_steps', stage.steps * k)
    .float('learning_rate', a.lr)
    .float('weight_decay', a.weight_decay)
    .float('max_grad_norm', a.max_grad_norm)
    .float('temperature', a.temperature)
    .float('top_p', a.top_p)
    .float('beta', a.kl_coef)
    .float('epsilon', a.clip_ratio_low)
    .float('epsilon_high', a.clip_ratio_high)
    .int('max_completion_length', a.max_response_length)
    .int('save_steps', a.save_freq * k)
    .int('logging_steps', k)
    .bool('log_completions', true)
    .set('report_to', 'none')
    .int('seed', a.seed);
  const layout: TrlLayout = { stepsPerStep: k, evalOnStart: false };
  if (d.val_file) {
    o.set('eval_strategy', 'steps')
      .int('eval_steps', a.val_freq * k)
      .bool('eval_on_start', a.val_before_train)
      .int('num_generations_eval', a.val_n)
      .int('per_device_eval_batch_size', a.val_n * 8);
    Object.assign(layout, { evalSteps: a.val_freq * k, evalOnStart: a.val_before_train, evalSampling: { temperature: a.temperature, top_p: a.top_p, n: a.val_n } });
  }
  const env = envOf(c);
  if (!script) {
    const m = rewardFiles(c);
    files.push(...m.files);
    const mod = REWARD_MODULE.replace(/\.py$/, '');
    o.list('reward_funcs', REWARD_ENTRY.trl.map((fn) => `${mod}.${fn}`))
      .list('reward_weights', [pyFloat(stage.reward.accuracy_weight), pyFloat(stage.reward.format_weight)]);
    // The bridge puts the inherited PYTHONPATH after these.
    env.PYTHONPATH = [c.stageDir, env.PYTHONPATH].filter(Boolean).join(':');
    layout.rewardWeights = { [REWARD_ENTRY.trl[0]]: stage.reward.accuracy_weight, [REWARD_ENTRY.trl[1]]: stage.reward.format_weight };
  }
  const user = overridesOf(c).map(([key, v]) => [key.replace(/^--/, ''), v] as const);
  for (const [key, v] of user) o.set(key, pyValue(v));
  // A script of the user's may declare flags of its own: only ours are checked then.
  const userKeys = new Set(user.map(([key]) => key));
  checkKeys(c, script ? o.keys().filter((key) => !userKeys.has(key)) : o.keys(), userKeys);
  const notes = ['TRL writes trainer_state.json only when it saves a checkpoint: metrics appear every save_freq steps'];
  if (script) notes.push(`your script computes the reward: the recipe's reward (${stage.reward.accuracy_weight}/${stage.reward.format_weight}, format_pattern) reaches TRL only if it uses ${REWARD_MODULE}'s accuracy_reward and format_reward with reward_weights`);
  if (a.freeze_vision_tower) notes.push('TRL trains every parameter: freeze_vision_tower is not applied');
  if (d.val_file && (a.val_temperature !== a.temperature || a.val_top_p !== a.top_p)) notes.push(`TRL evaluates with the training sampling (temperature ${a.temperature}, top_p ${a.top_p}), not val_temperature/val_top_p`);
  return {
    trainer: 'trl',
    stageId: stage.id,
    argv: [pythonOf(c), ...(script ? [recipePath(c.recipeDir, script)] : ['-m', facts.entry.module]), ...o.flags()],
    cwd: cwdOf(c),
    env,
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    files,
    read: { kind: 'trl', dir: c.outputDir, layout },
    after: [],
    notes,
  };
}
