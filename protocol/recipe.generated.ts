// GENERATED from recipe.schema.json by scripts/gen-types.mjs — edit the schema, then `npm run gen`.

/**
 * What the stage trains.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "stageKind".
 */
export type StageKind = 'sft' | 'perception' | 'textual-reasoning' | 'visual-reasoning' | 'merged';

/**
 * A staged post-training recipe: a model and an ordered list of stages, each started from the previous stage's final checkpoint.
 */
export interface See2ThinkRecipe {
  /**
   * Path or URL of this schema (for editors).
   */
  $schema?: string;
  /**
   * Recipe name; runs are written under runs/<name>/. Letters, digits, '.', '_' and '-' only (it becomes a folder name).
   */
  name: string;
  /**
   * Free text shown in the runs view.
   */
  description?: string;
  /**
   * Folder (relative to the recipe file) where run directories are created.
   */
  runs_dir?: string;
  model?: Model;
  /**
   * Settings applied to every stage unless the stage overrides them.
   */
  defaults?: {
    algorithm?: Algorithm;
    reward?: Reward;
    launch?: Launch;
  };
  alerts?: Alerts;
  /**
   * The ordered stages. The paper's order: perception → textual-reasoning → visual-reasoning, each from the previous stage's final checkpoint.
   *
   * @minItems 1
   */
  stages: [Stage, ...Stage[]];
}
/**
 * The model and the trainer that trains it.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "model".
 */
export interface Model {
  /**
   * Which trainer runs the stages.
   */
  trainer?: 'builtin' | 'easyr1' | 'verl' | 'trl' | 'command';
  /**
   * External trainers: the upstream version the commands are compiled for (named by the commit its keys were read at). Default: detected — EasyR1 from the git history or source in model.cwd, verl from model.cwd's verl/version/version or the installed package, TRL from the installed package; else the newest supported one, with a warning. `see2think show-command` prints the version it compiled for.
   */
  trainer_version?: 'd146d24' | 'b44b311' | 'b178a3c' | '1dda039' | 'f2cd577';
  /**
   * Built-in trainer: a named model size (individual `size` keys override it).
   */
  preset?: 'tiny' | 'small' | 'base';
  size?: ModelSize;
  /**
   * External trainers: the initial model (a Hugging Face id or a local path), used by the first stage.
   */
  path?: string;
  /**
   * EasyR1/verl: base config YAML (relative to the recipe) passed as config=<file>.
   */
  config?: string;
  /**
   * External trainers: the Python interpreter to run.
   */
  python?: string;
  /**
   * TRL: your own training script (relative to the recipe), run with the GRPOConfig/ModelConfig/ScriptArguments flags. Default: TRL's own GRPO script (python -m trl.scripts.grpo) with See2Think's reward and the recipe's weights.
   */
  script?: string;
  /**
   * `command` trainer: the argument vector to run (no shell). ${stage_dir}, ${init_checkpoint}, ${steps} and ${stage_id} are substituted.
   *
   * @minItems 1
   */
  command?: [string, ...string[]];
  /**
   * Working directory for external trainers (relative to the recipe).
   */
  cwd?: string;
  /**
   * Extra environment variables for the trainer process (names: letters, digits and _, not starting with a digit).
   */
  env?: {
    [k: string]: string;
  };
  /**
   * External trainers: extra key=value overrides passed on the command line to every stage.
   */
  overrides?: {
    [k: string]: string | number | boolean;
  };
}
/**
 * Built-in trainer: the VLM's dimensions.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "modelSize".
 */
export interface ModelSize {
  /**
   * Width of the transformer.
   */
  d_model?: number;
  /**
   * Decoder layers.
   */
  n_layers?: number;
  /**
   * Attention heads (must divide d_model).
   */
  n_heads?: number;
  /**
   * Hidden width of the MLP.
   */
  d_ff?: number;
  /**
   * Transformer layers in the vision tower (over patch embeddings).
   */
  vision_layers?: number;
  /**
   * Rendered scene size in pixels (square).
   */
  image_size?: number;
  /**
   * Patch size in pixels (must divide image_size).
   */
  patch_size?: number;
  /**
   * Longest prompt in characters.
   */
  max_prompt_length?: number;
}
/**
 * Training algorithm settings. Defaults are the paper's EasyR1 values; the built-in trainer's examples set smaller, faster values.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "algorithm".
 */
export interface Algorithm {
  /**
   * Advantage estimator: GRPO (group-normalised rewards).
   */
  adv_estimator?: 'grpo';
  /**
   * Responses sampled per prompt (the GRPO group size).
   */
  rollout_n?: number;
  /**
   * Prompts sampled per training step.
   */
  rollout_batch_size?: number;
  /**
   * Prompts per policy update (mini-batch); must divide rollout_batch_size. For SFT: examples per step.
   */
  global_batch_size?: number;
  /**
   * Passes over each sampled batch.
   */
  ppo_epochs?: number;
  /**
   * Rollout sampling temperature.
   */
  temperature?: number;
  /**
   * Rollout nucleus sampling.
   */
  top_p?: number;
  /**
   * Adam learning rate.
   */
  lr?: number;
  /**
   * AdamW weight decay.
   */
  weight_decay?: number;
  /**
   * Weight of the KL loss to the stage-start reference policy.
   */
  kl_coef?: number;
  /**
   * KL estimator; low_var_kl is k3, used as a loss.
   */
  kl_penalty?: 'low_var_kl' | 'kl' | 'abs' | 'mse';
  /**
   * PPO clip below 1.
   */
  clip_ratio_low?: number;
  /**
   * PPO clip above 1 (clip-higher).
   */
  clip_ratio_high?: number;
  /**
   * Dual-clip constant c: a token with negative advantage A never costs more than −c·A, and gets no gradient past that bound (dual-clip PPO).
   */
  clip_ratio_dual?: number;
  /**
   * Gradient-norm clipping.
   */
  max_grad_norm?: number;
  /**
   * Longest sampled response (tokens; characters for the built-in trainer).
   */
  max_response_length?: number;
  /**
   * Save a checkpoint every N steps (the final step is always saved).
   */
  save_freq?: number;
  /**
   * Validate every N steps.
   */
  val_freq?: number;
  /**
   * Validate once before the first step.
   */
  val_before_train?: boolean;
  /**
   * Validation sampling temperature (0 = greedy).
   */
  val_temperature?: number;
  /**
   * Validation nucleus sampling.
   */
  val_top_p?: number;
  /**
   * Validation samples per prompt.
   */
  val_n?: number;
  /**
   * Keep the vision tower's weights fixed. When not set: frozen in textual-reasoning stages and trained in the others, as in the paper.
   */
  freeze_vision_tower?: boolean;
  /**
   * Random seed for sampling and initialisation.
   */
  seed?: number;
}
/**
 * Verifiable reward: overall = accuracy_weight · accuracy + format_weight · format.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "reward".
 */
export interface Reward {
  /**
   * Reward function.
   */
  name?: 'math' | 'r1v';
  /**
   * Weight of answer accuracy.
   */
  accuracy_weight?: number;
  /**
   * Weight of the format reward.
   */
  format_weight?: number;
  /**
   * Regular expression (dot matches newlines) a well-formatted response must match in full (EasyR1 math.py: re.fullmatch with re.DOTALL; its trailing .* lets text follow the box).
   */
  format_pattern?: string;
}
/**
 * Where the stage runs.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "launch".
 */
export interface Launch {
  /**
   * Launch target.
   */
  target?: 'local' | 'slurm';
  /**
   * SLURM partition (-p).
   */
  partition?: string;
  /**
   * SLURM GPUs per node (--gpus).
   */
  gpus?: number;
  /**
   * SLURM CPUs per task (-c).
   */
  cpus?: number;
  /**
   * SLURM memory per node (--mem), e.g. 64G.
   */
  mem?: string;
  /**
   * SLURM time limit (--time), e.g. 04:00:00 or 30 (minutes).
   */
  time?: string;
  /**
   * SLURM nodes (-N).
   */
  nodes?: number;
  /**
   * Extra sbatch arguments, one per item.
   */
  sbatch_args?: string[];
  /**
   * Extra environment variables for the stage (names: letters, digits and _, not starting with a digit).
   */
  env?: {
    [k: string]: string;
  };
}
/**
 * Alerts on the signs of a run going wrong, checked at every metric record of every stage (each stage on its own). A rule that fires shows a notification once, a badge on the run in the Runs view, a marker on its chart at that step, and a line in `see2think run` and `see2think summary`. Every rule is on, with the defaults shown; `enabled: false` turns one off. A rule whose metric the trainer does not log never fires.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alerts".
 */
export interface Alerts {
  /**
   * false turns every alert of this recipe off.
   */
  enabled?: boolean;
  non_finite?: AlertNonFinite;
  kl_rising?: AlertKlRising;
  entropy_collapse?: AlertEntropyCollapse;
  length_growth?: AlertLengthGrowth;
  truncation?: AlertTruncation;
  reward_flat?: AlertRewardFlat;
  format_falling?: AlertFormatFalling;
}
/**
 * Fires at the first step where a loss or the grad norm is NaN or ±Infinity (the update diverged; EasyR1 and verl skip such an update, a run that keeps doing it learns nothing).
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertNonFinite".
 */
export interface AlertNonFinite {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The metrics that must stay finite.
   *
   * @minItems 1
   */
  metrics?: [string, ...string[]];
}
/**
 * Fires when the KL to the reference policy rises fast: the mean over the last `window` records is at least `min` and at least `factor` times the mean over the `window` records before (the policy is running away from its stage-start model).
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertKlRising".
 */
export interface AlertKlRising {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The KL metric.
   */
  metric?: string;
  /**
   * Records per window.
   */
  window?: number;
  /**
   * How many times the previous window's mean the last window's mean must reach.
   */
  factor?: number;
  /**
   * The least KL (last window's mean) that counts: below it, KL growing from ~0 at a stage's start is normal (a healthy built-in run levels off near 0.05–0.1 with kl_coef 0.1; EasyR1's 7B runs stay near 0.001–0.01).
   */
  min?: number;
}
/**
 * Fires when the policy's entropy collapses: the mean over the last `window` records falls to `ratio` times the stage's first `window` records' mean or below (sampling has become near-greedy: the groups stop exploring).
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertEntropyCollapse".
 */
export interface AlertEntropyCollapse {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The entropy metric.
   */
  metric?: string;
  /**
   * Records per window.
   */
  window?: number;
  /**
   * Share of the stage's starting entropy at or below which entropy has collapsed.
   */
  ratio?: number;
}
/**
 * Fires when the mean response length blows up: the mean over the last `window` records reaches `factor` times the stage's first `window` records' mean.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertLengthGrowth".
 */
export interface AlertLengthGrowth {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The response-length metric.
   */
  metric?: string;
  /**
   * Records per window.
   */
  window?: number;
  /**
   * Growth over the stage's start that counts as blowing up.
   */
  factor?: number;
}
/**
 * Fires when responses hit max_response_length: the share of truncated responses (`response_length/clip_ratio`), averaged over the last `window` records, reaches `max_share` (their answers are cut off, so they score 0 whatever they reasoned).
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertTruncation".
 */
export interface AlertTruncation {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The truncated share (0–1).
   */
  metric?: string;
  /**
   * Records per window.
   */
  window?: number;
  /**
   * Share of truncated responses that counts as too many.
   */
  max_share?: number;
}
/**
 * Fires when the reward is flat at 0 or at 1: every one of the last `window` records is within `margin` of 0, or every one within `margin` of 1. Then (nearly) every group's responses score alike, GRPO's group-normalised advantages are 0, and there is no learning signal.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertRewardFlat".
 */
export interface AlertRewardFlat {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The reward metric (a mean share between 0 and 1).
   */
  metric?: string;
  /**
   * Consecutive records that must all be flat.
   */
  window?: number;
  /**
   * How close to 0 or 1 counts as flat there.
   */
  margin?: number;
}
/**
 * Fires when the format reward falls: the mean over the last `window` records is `drop` or more below the best such mean earlier in the stage (the model is unlearning the <think>…</think> \boxed{} format).
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "alertFormatFalling".
 */
export interface AlertFormatFalling {
  /**
   * false turns this rule off.
   */
  enabled?: boolean;
  /**
   * The format reward metric (0–1).
   */
  metric?: string;
  /**
   * Records per window.
   */
  window?: number;
  /**
   * Fall from the stage's best window that counts.
   */
  drop?: number;
}
/**
 * One stage: trained from init_from's final checkpoint.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "stage".
 */
export interface Stage {
  /**
   * Unique stage id (lower-case letters, digits, '_' and '-'); names the stage folder.
   */
  id: string;
  kind: StageKind;
  /**
   * Free text.
   */
  description?: string;
  /**
   * Training steps (each one samples rollout_batch_size prompts). The paper: perception 90, textual reasoning 375, visual reasoning 465; merged 930.
   */
  steps: number;
  /**
   * The earlier stage whose final checkpoint this stage starts from (default: the stage before it; null: the base model).
   */
  init_from?: string | null;
  data?: Data;
  algorithm?: Algorithm;
  reward?: Reward;
  launch?: Launch;
  /**
   * External trainers: extra key=value overrides for this stage only.
   */
  overrides?: {
    [k: string]: string | number | boolean;
  };
}
/**
 * Where prompts come from: a built-in generator, or a file.
 *
 * This interface was referenced by `See2ThinkRecipe`'s JSON-Schema
 * via the `definition` "data".
 */
export interface Data {
  /**
   * Built-in task generator (default: the stage's kind; `merged` for sft).
   */
  generator?: 'perception' | 'textual-reasoning' | 'visual-reasoning' | 'merged';
  /**
   * Generator seed (the validation set has its own fixed seed).
   */
  seed?: number;
  /**
   * Training prompts to draw (default: unbounded stream).
   */
  size?: number;
  /**
   * Held-out validation prompts.
   */
  val_size?: number;
  /**
   * Built-in trainer, SFT stages: fraction of scene-question demonstrations whose reading misses the last object of each group it lists, then reasons correctly from that count — a weak perceiver's habit, shared by perception and visual-reasoning demonstrations, that the RL stages then train away.
   */
  perception_slip_rate?: number;
  /**
   * Built-in trainer, SFT stages: fraction of scene-question demonstrations that re-list each group's cells before counting ("red:12 34 check:12 34=2"); a model that perceives reliably may drop the re-check.
   */
  recheck_rate?: number;
  /**
   * Training data file (relative to the recipe); JSONL or Parquet for external trainers.
   */
  file?: string;
  /**
   * Validation data file (relative to the recipe).
   */
  val_file?: string;
  /**
   * External trainers: the prompt column. EasyR1: a string (default problem, as in the paper's data); verl: a list of chat messages (default verl's own, prompt); TRL: must be prompt (GRPOTrainer reads that column).
   */
  prompt_key?: string;
  /**
   * External trainers: the ground-truth column (default answer). verl reads reward_model.ground_truth instead.
   */
  answer_key?: string;
  /**
   * External trainers: the image column (default images).
   */
  image_key?: string;
}
