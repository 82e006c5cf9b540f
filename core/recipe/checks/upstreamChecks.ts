// Checks of an EasyR1, verl or TRL recipe against the trainer's upstream version (core/external/upstream.ts):
// the version itself; every override key against the keys that version has; and what would crash at startup
// or silently train something else — EasyR1 without a validation set, a base config with keys the version
// lacks, paths EasyR1 resolves against its working directory, environment its main.py overrides for the
// workers; verl data it cannot read (Hub ids, other formats, a prompt that is not chat messages); TRL data
// pairs and batch flags its GRPOConfig refuses. Each says where, and what to change.
import { dirname } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { SemanticCheck, CheckContext } from './context';
import type { Problem } from '../problems';
import type { JsonPath } from '../sourceMap';
import { problem } from './external';
import { mergeByPlace, settingPath } from './where';
import { resolveTrainerVersion } from '../../external/trainerVersion';
import { acceptsKey, nearKeys, type EasyR1Facts, type UpstreamFacts, type VerlFacts } from '../../external/upstream';
import { EASYR1_PATH_KEYS, easyr1OwnReward, overriddenWorkerEnv } from '../../external/easyr1/easyr1Command';
import { verlDataProblem } from '../../external/verl/verlCommand';
import { trlDataProblem } from '../../external/trl/trlCommand';
import { looksLikeHubId, recipePath } from '../../external/stageContext';
import { dataColumns, isMessages, type ColumnShape } from '../../external/dataColumns';
import type { ResolvedStage } from '../../../protocol/recipe';

type Item = { problem: Problem; stage: string };
const NAME = { easyr1: 'EasyR1', verl: 'verl', trl: 'TRL' } as const;

/** Dotted keys of a YAML mapping with their 1-based lines (an EasyR1 base config). */
function yamlKeys(text: string): { key: string; line: number }[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const out: { key: string; line: number }[] = [];
  const walk = (node: YamlNode | null | undefined, prefix: string) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (k === undefined) continue;
      const key = prefix ? `${prefix}.${k}` : k;
      if (isMap(pair.value) && pair.value.items.length) walk(pair.value, key);
      else out.push({ key, line: counter.linePos(isScalar(pair.key) && pair.key.range ? pair.key.range[0] : 0).line });
    }
  };
  walk(doc.contents as YamlNode, '');
  return out;
}

const didYouMean = (facts: UpstreamFacts, key: string) => {
  const near = nearKeys(facts, key);
  return near.length ? ` (did you mean ${near.join(', ')}?)` : '';
};

function checkOverrideKeys(ctx: CheckContext, facts: UpstreamFacts, trainer: 'easyr1' | 'verl' | 'trl', version: string, items: Item[]) {
  const { recipe } = ctx;
  // A TRL script of the user's may declare flags of its own.
  if (trainer === 'trl' && recipe.model?.script) return;
  const check = (path: JsonPath, raw: string, stage: string) => {
    if (trainer === 'verl' && raw.startsWith('+')) return; // Hydra: add a key on purpose
    const key = trainer === 'trl' ? raw.replace(/^--/, '') : raw;
    if (acceptsKey(facts, key)) return;
    items.push({ stage, problem: problem(ctx, 'error', 'external/unknown-key', path, `${NAME[trainer]} ${version} has no ${trainer === 'trl' ? 'flag' : 'key'} '${key}'${didYouMean(facts, key)}: it would stop at startup (${trainer === 'trl' ? 'HfArgumentParser' : trainer === 'verl' ? 'Hydra' : 'OmegaConf'} rejects unknown keys)`, true) });
  };
  for (const k of Object.keys(recipe.model?.overrides ?? {})) check(['model', 'overrides', k], k, '');
  recipe.stages.forEach((s, i) => {
    for (const k of Object.keys(s.overrides ?? {})) check(['stages', i, 'overrides', k], k, s.id);
  });
}

/** Where stage i's data block is (or the stage), for problems about the stage's data as a whole. */
const dataPathOf = (ctx: CheckContext, i: number): JsonPath => (ctx.recipe.stages[i].data ? ['stages', i, 'data'] : ['stages', i]);

function checkEasyR1(ctx: CheckContext, facts: EasyR1Facts, version: string, items: Item[]) {
  const { recipe, resolved, env } = ctx;
  const dir = env.recipeDir ?? '.';
  const configFile = recipe.model?.config ? recipePath(dir, recipe.model.config) : undefined;
  const configText = configFile && env.readText ? env.readText(configFile) : undefined;
  const configKeys = configText !== undefined ? yamlKeys(configText) : undefined;
  // A base config's keys: OmegaConf.merge with the structured PPOConfig rejects the ones this version lacks.
  const bad = (configKeys ?? []).filter((k) => !acceptsKey(facts, k.key));
  if (bad.length) {
    items.push({ stage: '', problem: problem(ctx, 'error', 'external/config-key', ['model', 'config'], `${bad.map((k) => `${configFile}:${k.line}: '${k.key}'`).join(', ')} ${bad.length > 1 ? 'are not keys' : 'is not a key'} of EasyR1 ${version}${bad.length === 1 ? didYouMean(facts, bad[0].key) : ''}: EasyR1 would stop at startup; remove ${bad.length > 1 ? 'them' : 'it'} or use a version that has ${bad.length > 1 ? 'them' : 'it'} (model.trainer_version)`) });
  }
  const configValFiles = configKeys?.some((k) => k.key === 'data.val_files') && !/^\s*val_files:\s*(""|''|null|~)?\s*$/m.test(configText ?? '');
  resolved.stages.forEach((s, i) => {
    if (s.data.val_file || configValFiles || (configFile && configText === undefined)) return;
    items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/val-file', dataPathOf(ctx, i), `stage '${s.id}': EasyR1 always builds a validation set (data.val_files, default "") and stops without one: set data.val_file${configFile ? ' (the base config does not set data.val_files)' : ''}`, true) });
  });
  // Environment main.py overrides for its Ray workers.
  const envBlocks: [JsonPath, Record<string, string> | undefined, string][] = [[['model', 'env'], recipe.model?.env, '']];
  recipe.stages.forEach((s, i) => envBlocks.push([['stages', i, 'launch', 'env'], s.launch?.env, s.id]));
  for (const [path, vars, stage] of envBlocks) {
    for (const e of overriddenWorkerEnv(facts, vars ?? {})) {
      items.push({ stage, problem: problem(ctx, 'error', 'external/worker-env', [...path, e.key], `EasyR1 ${version}'s verl/trainer/main.py sets ${e.key}=${e.upstream} for its Ray workers (ray.init runtime_env), so ${e.value} never reaches training: remove it, or change the value in main.py`) });
    }
  }
  if (!recipe.model?.cwd) {
    items.push({ stage: '', problem: problem(ctx, 'error', 'external/easyr1-cwd', ['model', 'trainer'], `EasyR1 runs from its clone: set model.cwd to it (its ${facts.entry.mergerScript} and examples/reward_function/ are found there, and relative paths resolve against it)`) });
    return;
  }
  const cwd = recipePath(dir, recipe.model.cwd);
  const exists = env.fileExists;
  if (!exists || !exists(cwd)) return;
  // Paths EasyR1 resolves against its working directory, dropping a missing one without a word (get_abs_path).
  const pathOverride = (path: JsonPath, key: string, value: unknown, stage: string) => {
    if (!EASYR1_PATH_KEYS.includes(key) || typeof value !== 'string' || value.startsWith('/') || value.includes('${')) return;
    const file = value.replace(/:[A-Za-z_]\w*$/, '');
    if (exists(recipePath(cwd, file))) return;
    items.push({ stage, problem: problem(ctx, 'error', 'external/easyr1-path', path, `EasyR1 looks for '${file}' in its working directory ${cwd}, where it is not: it would drop the setting silently${key === facts.reward.functionKey ? ' and stop with "Reward function is not provided."' : ''}; write an absolute path or \${recipe_dir}/…`) });
  };
  for (const [k, v] of Object.entries(recipe.model?.overrides ?? {})) pathOverride(['model', 'overrides', k], k, v, '');
  recipe.stages.forEach((s, i) => {
    for (const [k, v] of Object.entries(s.overrides ?? {})) pathOverride(['stages', i, 'overrides', k], k, v, s.id);
  });
  const cwdPath: JsonPath = ['model', 'cwd'];
  if (!exists(recipePath(cwd, 'verl/trainer/main.py'))) {
    items.push({ stage: '', problem: problem(ctx, 'error', 'external/easyr1-cwd', cwdPath, `${cwd} is not an EasyR1 clone (no verl/trainer/main.py): EasyR1 runs as \`python3 -m ${facts.entry.module}\` from its clone; set model.cwd to it`) });
    return;
  }
  const needed = [facts.entry.mergerScript];
  for (const s of resolved.stages) if (!(facts.reward.functionKey in s.overrides) && easyr1OwnReward(s.reward)) needed.push(`examples/reward_function/${s.reward.name}.py`);
  for (const f of new Set(needed)) {
    if (!exists(recipePath(cwd, f))) items.push({ stage: '', problem: problem(ctx, 'error', 'external/easyr1-cwd', cwdPath, `the EasyR1 clone ${cwd} has no ${f}, which the stages use`) });
  }
}

const describeShape = (s: ColumnShape | undefined) => (s ? (s.kind === 'list' ? `a list${s.item ? ` of ${s.item.kind}s` : ''}` : `a ${s.kind}`) : 'missing');

/** A local data file's columns, when it is here to look at. */
function localColumns(ctx: CheckContext, file: string | undefined) {
  if (!file || !ctx.env.fileExists || looksLikeHubId(file) || file.includes('${')) return undefined;
  const abs = recipePath(ctx.env.recipeDir ?? '.', file);
  return ctx.env.fileExists(abs) ? { abs, cols: dataColumns(abs) } : undefined;
}

function checkVerl(ctx: CheckContext, facts: VerlFacts, version: string, items: Item[]) {
  const { recipe, resolved } = ctx;
  resolved.stages.forEach((s, i) => {
    if (!s.data.file) return;
    for (const [key, file] of [['file', s.data.file], ['val_file', s.data.val_file]] as const) {
      if (!file) continue;
      const why = verlDataProblem(facts.data.extensions, file);
      if (why) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/verl-data', ['stages', i, 'data', key], `${why} (verl ${version})`) });
    }
    if (!s.data.val_file) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/val-file', dataPathOf(ctx, i), `stage '${s.id}': verl always validates, and its default data.val_files is an example path: set data.val_file`, true) });
    if (recipe.stages[i].data?.answer_key) items.push({ stage: s.id, problem: problem(ctx, 'warning', 'external/verl-answer', ['stages', i, 'data', 'answer_key'], `verl reads the ground truth from the ${facts.reward.groundTruth} column, not data.answer_key`, true) });
    for (const [key, file] of [['file', s.data.file], ['val_file', s.data.val_file]] as const) {
      const local = localColumns(ctx, file);
      if (!local) continue;
      if (!local.cols) {
        items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/verl-data', ['stages', i, 'data', key], `cannot read the columns of ${local.abs}`) });
        continue;
      }
      const c = local.cols.columns;
      const promptKey = s.data.prompt_key ?? String(facts.config['data.prompt_key']?.default ?? 'prompt');
      const wrong: string[] = [];
      if (!isMessages(c[promptKey])) wrong.push(`'${promptKey}' is ${describeShape(c[promptKey])}, not a list of chat messages ({"role", "content"}) as RLHFDataset expects`);
      const [gtCol, gtKey] = facts.reward.groundTruth.split('.');
      const gt = c[gtCol];
      if (!(gt?.kind === 'object' && gtKey in gt.keys)) wrong.push(`no '${facts.reward.groundTruth}' (the ground truth verl's reward reads)`);
      if (!c[facts.reward.dataSource]) wrong.push(`no '${facts.reward.dataSource}' column`);
      if (wrong.length) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/verl-data', ['stages', i, 'data', key], `verl cannot train on ${local.abs}: ${wrong.join('; ')}. Convert it to verl's format (verl's examples/data_preprocess, e.g. geo3k.py)${wrong[0].includes(promptKey) && !s.data.prompt_key ? ', or set data.prompt_key to its messages column' : ''}`) });
    }
  });
}

/** TRL's GRPOConfig.__post_init__ divisibility rules, for batch flags a recipe overrides (one process). */
function trlBatchProblem(s: ResolvedStage): string | undefined {
  const o = s.overrides;
  const int = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : typeof o[`--${k}`] === 'number' ? (o[`--${k}`] as number) : d);
  const a = s.algorithm;
  const perDevice = int('per_device_train_batch_size', a.rollout_n);
  const gen = int('generation_batch_size', a.rollout_batch_size * a.rollout_n);
  const n = int('num_generations', a.rollout_n);
  if (gen % perDevice !== 0) return `generation_batch_size ${gen} must be divisible by per_device_train_batch_size ${perDevice} × the number of processes`;
  if (gen % n !== 0) return `generation_batch_size ${gen} must be divisible by num_generations ${n}`;
  return undefined;
}

function checkTrl(ctx: CheckContext, items: Item[]) {
  const { recipe, resolved } = ctx;
  resolved.stages.forEach((s, i) => {
    const own = recipe.stages[i];
    if (s.data.file) {
      const why = trlDataProblem(s.data.file, s.data.val_file);
      if (why) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/trl-data', ['stages', i, 'data', 'val_file'], why) });
    }
    if (own.data?.prompt_key && own.data.prompt_key !== 'prompt') {
      items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/trl-prompt', ['stages', i, 'data', 'prompt_key'], `TRL's GRPOTrainer reads prompts from a 'prompt' column: rename '${own.data.prompt_key}' in the data and remove data.prompt_key`) });
    }
    if (s.algorithm.rollout_n < 2) {
      items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/trl-generations', settingPath(recipe, i, 'algorithm', 'rollout_n') ?? ['stages', i], `TRL's GRPO needs at least 2 generations per prompt (num_generations): rollout_n is ${s.algorithm.rollout_n}`) });
    }
    const batch = trlBatchProblem(s);
    if (batch) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/trl-batch', own.overrides ? ['stages', i, 'overrides'] : ['model', 'overrides'], `${batch} (TRL's GRPOConfig refuses it at startup)`, true) });
    if (s.algorithm.freeze_vision_tower) {
      items.push({ stage: s.id, problem: problem(ctx, 'warning', 'external/trl-freeze', settingPath(recipe, i, 'algorithm', 'freeze_vision_tower') ?? ['stages', i, 'kind'], `TRL trains every parameter: the vision tower ${settingPath(recipe, i, 'algorithm', 'freeze_vision_tower') ? '' : `(frozen by default in a ${s.kind} stage) `}is not frozen in stage '${s.id}'`) });
    }
    if (!recipe.model?.script) {
      const local = localColumns(ctx, s.data.file);
      const answer = s.data.answer_key ?? 'answer';
      const missing = local?.cols ? ['prompt', answer].filter((c) => !(c in local.cols!.columns)) : [];
      if (missing.length) items.push({ stage: s.id, problem: problem(ctx, 'error', 'external/trl-data', ['stages', i, 'data', 'file'], `${local!.abs} has no ${missing.map((m) => `'${m}'`).join(' or ')} column: TRL reads the prompt from 'prompt', See2Think's reward the ground truth from '${answer}' (data.answer_key)`) });
    }
  });
  if (recipe.model?.script) {
    const r = resolved.stages[0]?.reward;
    items.push({ stage: '', problem: problem(ctx, 'warning', 'external/trl-reward', ['model', 'script'], `your script computes the reward, so the recipe's reward (${r?.accuracy_weight}·accuracy + ${r?.format_weight}·format, format_pattern) is not applied unless it uses see2think_reward's accuracy_reward and format_reward with --reward_weights; remove model.script to run TRL's own GRPO script with it`) });
  }
}

export const checkExternalUpstream: SemanticCheck = (ctx) => {
  const trainer = ctx.resolved.model.trainer;
  if (trainer !== 'easyr1' && trainer !== 'verl' && trainer !== 'trl') return [];
  const disk = !!ctx.env.fileExists;
  const { version, problems } = resolveTrainerVersion(ctx.resolved, ctx.env.recipeDir ?? dirname('.'), { disk });
  // "Not detected" is a compile note (show-command prints it), not a problem of the recipe.
  const items: Item[] = problems.filter((p) => p.severity !== 'info').map((p) => {
    const path: JsonPath = p.at === 'model.trainer_version' && ctx.recipe.model?.trainer_version !== undefined ? ['model', 'trainer_version']
      : p.at === 'model.cwd' && ctx.recipe.model?.cwd ? ['model', 'cwd']
        : p.at === 'model.python' && ctx.recipe.model?.python ? ['model', 'python'] : ['model', 'trainer'];
    return { stage: '', problem: problem(ctx, p.severity, 'external/version', path, p.message) };
  });
  if (problems.some((p) => p.severity === 'error')) return mergeByPlace(items);
  checkOverrideKeys(ctx, version.facts, trainer, version.id, items);
  if (trainer === 'easyr1') checkEasyR1(ctx, version.facts as EasyR1Facts, version.id, items);
  if (trainer === 'verl') checkVerl(ctx, version.facts as VerlFacts, version.id, items);
  if (trainer === 'trl') checkTrl(ctx, items);
  return mergeByPlace(items);
};
