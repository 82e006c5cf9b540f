// Reads an upstream trainer's source at a named commit and writes the facts the project relies on (config
// keys and types, CLI flags, file names, log line shapes, the commit) to core/external/<trainer>/upstream/
// <commit>.json. Run by hand when a new upstream version is added (docs/ARCHITECTURE.md, "External trainers"):
//   node scripts/upstream-facts.mjs easyr1 <EasyR1 clone or git dir> <commit>
//   node scripts/upstream-facts.mjs verl   <verl clone or git dir>   <commit>
//   node scripts/upstream-facts.mjs trl    <trl clone or git dir>    <commit> --training-args <file> --training-args-from <repo@commit>
// The clone may be bare; files are read with `git show <commit>:<path>`, Python with the standard library's
// ast (scripts/upstream/pythonFacts.py: nothing upstream is imported or run), YAML with the yaml package.
// Every fact is looked for explicitly and the script stops when one is missing, so a changed upstream
// shape is noticed here rather than at a user's launch.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'training-args': { type: 'string' }, 'training-args-from': { type: 'string' }, out: { type: 'string' } },
});
const [trainer, repoArg, commitArg] = positionals;
if (!['easyr1', 'verl', 'trl'].includes(trainer) || !repoArg || !commitArg) {
  console.error('usage: node scripts/upstream-facts.mjs <easyr1|verl|trl> <clone or git dir> <commit> [--training-args <file> --training-args-from <repo@commit>]');
  process.exit(2);
}
const gitDir = existsSync(join(repoArg, '.git')) ? join(repoArg, '.git') : repoArg;
const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const commit = git('rev-parse', `${commitArg}^{commit}`).trim();
const show = (path) => git('show', `${commit}:${path}`);
const exists = (path) => {
  try {
    execFileSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}:${path}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const ls = (dir) => git('ls-tree', '--name-only', `${commit}:${dir}`).split('\n').filter(Boolean);
const fail = (what) => {
  console.error(`upstream-facts: ${what} not found at ${commit.slice(0, 7)}: the upstream shape changed; read the source and update this script`);
  process.exit(1);
};
/** The one match group of `re` in `text`, or stop. */
const one = (text, re, what) => re.exec(text)?.[1] ?? fail(what);
const all = (text, re) => [...text.matchAll(re)].map((m) => m[1]);

function python(request) {
  const out = execFileSync('python3', [join(root, 'scripts/upstream/pythonFacts.py')], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out);
}

const header = (repository) => ({
  trainer,
  repository,
  commit,
  describe: (() => {
    try {
      return git('describe', '--tags', commit).trim();
    } catch {
      return commit.slice(0, 7);
    }
  })(),
  date: git('show', '-s', '--format=%cs', commit).trim(),
});

/** Dataclass fields → config keys (type, default; `init: false` fields are set by the trainer itself). */
function configOf(fields) {
  const config = {};
  const openKeys = [];
  for (const [key, f] of Object.entries(fields)) {
    config[key] = { type: f.type, default: f.default, ...(f.init === false ? { init: false } : {}) };
    if (/^(dict|Dict)\b/.test(f.type)) openKeys.push(key);
  }
  return { config, openKeys };
}

function easyr1() {
  const configFiles = ['verl/trainer/config.py', 'verl/workers/config.py', ...['actor', 'critic', 'reward', 'rollout'].map((w) => `verl/workers/${w}/config.py`)];
  const sources = Object.fromEntries(configFiles.filter(exists).map((p) => [p, show(p)]));
  const trainerPy = 'verl/trainer/ray_trainer.py';
  const mainPy = 'verl/trainer/main.py';
  const loggerPy = 'verl/utils/logger/logger.py';
  const genLoggerPy = 'verl/utils/logger/gen_logger.py';
  const ckptPy = 'verl/utils/checkpoint/checkpoint_manager.py';
  const metricsPy = 'verl/trainer/metrics.py';
  const rewardFnPy = 'verl/workers/reward/function.py';
  for (const p of [trainerPy, mainPy, loggerPy, genLoggerPy, metricsPy, rewardFnPy]) sources[p] = show(p);
  if (exists(ckptPy)) sources[ckptPy] = show(ckptPy);
  const py = python({
    sources,
    roots: { config: 'PPOConfig' },
    literals: { runtimeEnv: [mainPy, 'runtime_env'], ...(exists(ckptPy) ? { tracker: [ckptPy, 'CHECKPOINT_TRACKER'] } : {}) },
    strings: { trainer: trainerPy, logger: loggerPy, genLogger: genLoggerPy, metrics: metricsPy, rewardFn: rewardFnPy, main: mainPy },
    dictKeys: exists(ckptPy) ? { tracker: [trainerPy, 'checkpointer_tracker_info'] } : {},
  });
  const { config, openKeys } = configOf(py.dataclasses.config);
  const s = py.strings;
  const main = sources[mainPy];
  if (!/OmegaConf\.structured\(PPOConfig\(\)\)/.test(main)) fail('OmegaConf.structured(PPOConfig()) in verl/trainer/main.py');
  const merger = exists('scripts/model_merger.py') ? show('scripts/model_merger.py') : fail('scripts/model_merger.py');
  const fileNames = [...s.logger, ...s.genLogger].filter((x) => /^[\w.-]+\.(jsonl|json|log)$/.test(x));
  for (const f of ['experiment_log.jsonl', 'experiment_config.json', 'generations.log']) if (!fileNames.includes(f)) fail(`file logger file ${f}`);
  const stepHeader = s.logger.find((x) => /^Step \{step\}/.test(x)) ?? fail('ConsoleLogger "Step {step}" line');
  const pyFunctional = show('verl/utils/py_functional.py');
  const consoleBody = /def convert_dict_to_str[^\n]*\n\s+return yaml\.dump\(/.test(pyFunctional) ? 'yaml.dump(unflatten_dict(data))' : fail('convert_dict_to_str = yaml.dump');
  const genBlock = s.genLogger.find((x) => x.startsWith('[prompt] {inp}') && x.endsWith('\n\n')) ?? fail('FileGenerationLogger block');
  return {
    ...header('hiyouga/EasyR1'),
    version: one(show('verl/__init__.py'), /__version__\s*=\s*"([^"]+)"/, '__version__'),
    entry: { module: 'verl.trainer.main', configArg: 'config', strict: true, mergerScript: 'scripts/model_merger.py', mergerFlags: all(merger, /add_argument\(\s*"(--[\w-]+)"/g) },
    config,
    openKeys,
    rewardFunctions: ls('examples/reward_function').filter((n) => n.endsWith('.py')).map((n) => `examples/reward_function/${n}`),
    reward: {
      /** Where the reward type comes from: a config key (worker.reward.reward_type) or the module's REWARD_TYPE. */
      typeFrom: 'worker.reward.reward_type' in config ? 'config' : s.rewardFn.includes('REWARD_TYPE') ? 'module' : fail('reward type (config key or REWARD_TYPE)'),
      functionKey: 'worker.reward.reward_function' in config ? 'worker.reward.reward_function' : fail('worker.reward.reward_function'),
      kwargsKey: 'worker.reward.reward_function_kwargs' in config ? 'worker.reward.reward_function_kwargs' : fail('worker.reward.reward_function_kwargs'),
    },
    /** main.py sets these for its Ray workers (ray.init runtime_env): the same variables from outside do not reach them. */
    workerEnv: py.literals.runtimeEnv?.env_vars ?? fail('runtime_env env_vars in main.py'),
    files: {
      log: 'experiment_log.jsonl',
      config: 'experiment_config.json',
      generations: 'generations.log',
      tracker: py.literals.tracker ?? one(sources[trainerPy], /"(latest_global_step\.txt)"/, 'checkpoint tracker'),
      trackerKeys: py.dictKeys.tracker ?? [],
      checkpointDir: one(sources[trainerPy], /f"(global_step_\{self\.global_step\})"/, 'global_step_ folder'),
    },
    logs: {
      fileLine: '{"step": step, **unflatten_dict(data)}',
      console: { stepHeader, body: consoleBody, configHeader: s.logger.find((x) => x.startsWith('Config\n')) ?? fail('Config header') },
      generationBlock: genBlock,
      validation: s.trainer.filter((x) => /^val[/_]/.test(x)),
      lengthMetrics: s.metrics.filter((x) => /^(response|prompt)_length\//.test(x)),
      /** Top-level groups of the nested records (unflatten_dict splits keys on "/"): what an EasyR1 log looks like. */
      metricGroups: [...new Set([...s.metrics, ...s.trainer].map((x) => /^([a-z_]+)\/[^/\s]/.exec(x)?.[1]).filter(Boolean))].sort(),
      totalSteps: s.trainer.find((x) => /^Total training steps: /.test(x)) ?? fail('"Total training steps" line'),
    },
  };
}

/** verl's composed Hydra config (_generated_ppo_trainer.yaml) flattened to dotted keys. */
function flattenYaml(value, prefix, out) {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flattenYaml(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    // Parsed with intAsBigInt: integers written as such are BigInt, numbers written with a point are floats.
    const type = value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value === 'object' ? 'dict' : typeof value === 'bigint' ? 'int' : typeof value === 'number' ? 'float' : typeof value === 'boolean' ? 'bool' : 'str';
    out[prefix] = { type, default: JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))) };
  }
  return out;
}

function verl() {
  const generated = 'verl/trainer/config/_generated_ppo_trainer.yaml';
  const config = flattenYaml(YAML.parse(show(exists(generated) ? generated : fail(generated)), { intAsBigInt: true }), '', {});
  const trainerPy = 'verl/trainer/ppo/ray_trainer.py';
  const v1Py = 'verl/trainer/ppo/v1/trainer_base.py';
  const trackingPy = 'verl/utils/tracking.py';
  const aggPy = 'verl/utils/logger/aggregate_logger.py';
  const datasetPy = 'verl/utils/dataset/rl_dataset.py';
  const ckptPy = 'verl/utils/checkpoint/checkpoint_manager.py';
  const managers = ['verl/workers/reward_manager/naive.py', 'verl/experimental/reward_loop/reward_manager/naive.py'].filter(exists);
  if (!managers.length) fail('the naive reward manager');
  const sources = Object.fromEntries([trainerPy, trackingPy, aggPy, datasetPy, ckptPy, ...(exists(v1Py) ? [v1Py] : [])].map((p) => [p, show(p)]));
  const py = python({ sources, strings: { trainer: trainerPy, agg: aggPy, ckpt: ckptPy, ...(exists(v1Py) ? { v1: v1Py } : {}) }, dictKeys: { dump: [trainerPy, 'base_data'] } });
  const s = py.strings;
  const tracking = sources[trackingPy];
  const fileLogger = one(tracking, /(class FileLogger[\s\S]*?)\nclass /, 'class FileLogger');
  const manager = managers.map(show).join('\n');
  const trainers = sources[trainerPy] + (sources[v1Py] ?? '');
  const customRewardKey = 'reward.custom_reward_function.path' in config ? 'reward.custom_reward_function' : 'custom_reward_function.path' in config ? 'custom_reward_function' : fail('custom_reward_function.path');
  return {
    ...header(gitDir.includes('volcengine') ? 'volcengine/verl' : 'verl-project/verl'),
    version: show('verl/version/version').trim(),
    entry: { module: 'verl.trainer.main_ppo', strict: true, overrideSyntax: 'hydra' },
    config,
    openKeys: [],
    reward: {
      /** Where a reward module goes (<key>.path, <key>.name); verl ≥ 0.8 moves the legacy top-level key there. */
      customKey: customRewardKey,
      call: all(one(manager, /compute_score\(([\s\S]*?)\)/, 'compute_score( call'), /(\w+)=/g),
      groundTruth: /non_tensor_batch\["reward_model"\]\["ground_truth"\]/.test(manager) ? 'reward_model.ground_truth' : fail('reward_model.ground_truth'),
      dataSource: 'data_source',
      /** A reward that returns a dict: its keys other than "score" become validation variables (acc, format …). */
      dictResult: /isinstance\((score|result), dict\)/.test(manager) ? true : fail('dict reward results'),
    },
    data: {
      extensions: all(sources[datasetPy], /endswith\("(\.\w+)"\)/g),
      promptIsMessages: /messages: list = example\[(?:self\.prompt_key|key)\]/.test(sources[datasetPy]) ? true : fail('prompt as a list of messages'),
    },
    files: {
      loggerEnv: all(tracking, /os\.getenv\("(VERL_FILE_LOGGER_\w+)"/g),
      tracker: s.ckpt.find((x) => x === 'latest_checkpointed_iteration.txt') ?? fail('latest_checkpointed_iteration.txt'),
      checkpointDir: 'global_step_{global_steps}',
      dumpFile: s.trainer.find((x) => /^\{(?:self\.)?global_steps\}\.jsonl$/.test(x)) ?? fail('{global_steps}.jsonl dump name'),
      dumpKeys: py.dictKeys.dump,
    },
    logs: {
      fileLine: /\{"step": step, "data": data\}/.test(fileLogger) ? '{"step": step, "data": data}' : fail('{"step", "data"} file logger line'),
      fileSerializer: /orjson\.dumps/.test(fileLogger) ? 'orjson (NaN and inf are written as null)' : /json\.dumps/.test(fileLogger) ? 'json' : fail('file logger serializer'),
      fileMode: one(fileLogger, /open\(self\.filepath, "(\w+)"/, 'file logger open mode'),
      console: { step: s.agg.find((x) => x === 'step:{step}') ?? fail('step:{step}'), pair: s.agg.find((x) => /^\{k\}:\{pprint\.pformat\(v\)\}$/.test(x)) ?? fail('{k}:{pprint.pformat(v)}'), separator: s.agg.includes(' - ') ? ' - ' : fail('" - "') },
      validationSections: ['val-core', 'val-aux'].filter((x) => [...s.trainer, ...(s.v1 ?? [])].includes(x)),
      validationKey: '{section}/{data_source}/{var_name}/{metric_name}',
      coreVar: [one(trainers, /core_var = "(\w+)" if/, 'core_var'), one(trainers, /core_var = "\w+" if "\w+" in var2metric2val else "(\w+)"/, 'core_var fallback')],
      totalSteps: [...s.trainer, ...(s.v1 ?? [])].find((x) => /^Total training steps: /.test(x)) ?? fail('"Total training steps" line'),
      /** The loop ends at total_training_steps or after total_epochs passes over the data, whichever is first. */
      epochCap: /range\(current_epoch, self\.config\.trainer\.total_epochs\)|current_epoch < self\.config\.trainer\.total_epochs/.test(trainers) ? 'trainer.total_epochs' : fail('total_epochs loop'),
    },
  };
}

function trl() {
  if (!opts['training-args'] || !opts['training-args-from']) {
    console.error('trl: pass --training-args <file holding transformers TrainingArguments> and --training-args-from <repo@commit> (GRPOConfig inherits its fields)');
    process.exit(2);
  }
  const grpoPy = 'trl/scripts/grpo.py';
  const utilsPy = 'trl/scripts/utils.py';
  const configPy = 'trl/trainer/grpo_config.py';
  const basePy = 'trl/trainer/base_config.py';
  const modelPy = 'trl/trainer/model_config.py';
  const trainerPy = 'trl/trainer/grpo_trainer.py';
  const sources = Object.fromEntries([grpoPy, utilsPy, configPy, basePy, modelPy, trainerPy].filter(exists).map((p) => [p, show(p)]));
  sources['transformers/training_args.py'] = readFileSync(resolve(opts['training-args']), 'utf8');
  const py = python({
    sources,
    roots: { script: 'GRPOScriptArguments', grpo: 'GRPOConfig', model: 'ModelConfig', datasets: 'DatasetMixtureConfig' },
    strings: { trainer: trainerPy },
    dictKeys: { table: [trainerPy, 'table'], registry: [grpoPy, 'reward_funcs_registry'] },
  });
  const flags = {};
  const owner = {};
  for (const [group, fields] of Object.entries(py.dataclasses)) {
    for (const [k, f] of Object.entries(fields)) {
      if (k in flags) continue; // HfArgumentParser: the first dataclass that declares a name owns it
      flags[k] = { type: f.type, default: f.default, group };
      owner[k] = group;
    }
  }
  const trainerSrc = sources[trainerPy];
  const s = py.strings.trainer;
  return {
    ...header('huggingface/trl'),
    version: show('VERSION').trim(),
    trainingArguments: opts['training-args-from'],
    entry: {
      module: 'trl.scripts.grpo',
      /** HfArgumentParser.parse_args_into_dataclasses raises on command-line strings no dataclass declares. */
      strict: true,
      parser: one(sources[grpoPy], /dataclass_types = \(([^)]*)\)/, 'dataclass_types'),
      rewardFuncsDotted: /importlib\.import_module\(module_path\)/.test(sources[grpoPy]) ? true : fail('dotted reward_funcs'),
      rewardFuncsBuiltin: py.dictKeys.registry,
    },
    config: flags,
    openKeys: [],
    files: {
      completionsDir: 'completions',
      completions: s.find((x) => /^completions_\{self\.state\.global_step:05d\}\.parquet$/.test(x)) ?? fail('completions_{step:05d}.parquet'),
      completionsColumns: py.dictKeys.table,
      state: 'trainer_state.json',
      checkpointDir: 'checkpoint-{global_step}',
    },
    logs: {
      metrics: [...new Set(all(trainerSrc, /_metrics\[mode\]\[(f?"[^"]+")\]/g).map((x) => x.replace(/^f?"|"$/g, '')))].sort(),
      evalPrefix: s.includes('eval_{key}') ? 'eval_' : fail('eval_ prefix'),
      /** The logged reward: reward functions' columns weighted by reward_weights, NaN skipped (nansum). */
      reward: /rewards_per_func \* self\.reward_weights[\s\S]{0,80}\.nansum\(dim=1\)/.test(trainerSrc) ? 'nansum(reward_weights · rewards_per_func)' : fail('nansum of weighted rewards'),
      modeOfFile: /completions_\{self\.state\.global_step:05d\}/.test(trainerSrc) && !/completions", mode/.test(trainerSrc) ? 'one file per logging step for train and eval alike' : fail('completions file per mode'),
    },
  };
}

const facts = { easyr1, verl, trl }[trainer]();
const out = opts.out ?? join(root, 'core/external', trainer, 'upstream', `${commit.slice(0, 7)}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(facts, null, 1) + '\n');
console.log(`${trainer} ${facts.describe} (${facts.version}, ${facts.date}): ${Object.keys(facts.config).length} config keys → ${out}`);
