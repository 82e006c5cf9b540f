// The command compilers and log adapters against the facts read from each trainer's source at each supported
// version (core/external/<trainer>/upstream/<commit>.json, scripts/upstream-facts.mjs): every key or flag a
// compiled command sets, for every option of the recipe schema, exists at that version with a value of its
// type; the file names and log shapes the adapters expect are the ones upstream writes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRecipe, recipeSchema, type Recipe } from '../../protocol/recipe';
import { compileStage } from '../../core/external/compile';
import { CompileError } from '../../core/external/compiled';
import { resolveTrainerVersion } from '../../core/external/trainerVersion';
import { ALL_VERSION_IDS, SUPPORTED_VERSIONS, acceptsKey, type SupportedVersion, type UpstreamFacts } from '../../core/external/upstream';
import type { ForeignKind } from '../../core/external/foreignRun';
import { EASYR1_CONFIG, EASYR1_TRACKER } from '../../core/external/easyr1/easyr1Run';
import { EASYR1_LOG } from '../../core/external/easyr1/easyr1ExperimentLog';
import { EASYR1_GENERATIONS } from '../../core/external/easyr1/easyr1Generations';
import { VERL_TRACKER } from '../../core/external/verl/verlRun';
import { TRL_COMPLETIONS_DIR } from '../../core/external/trl/trlCompletions';
import { TRL_STATE } from '../../core/external/trl/trlTrainerState';
import { mapEasyR1 } from '../../core/external/metricNames';
import { METRICS } from '../../protocol/metrics';

type Props = Record<string, { type?: string; enum?: unknown[]; default?: unknown; minimum?: number; maximum?: number; exclusiveMinimum?: number }>;
const defs = recipeSchema.definitions as unknown as Record<string, { properties: Props }>;

/** Values to try for one schema option: every enum value, both booleans, the default and one more number. */
function variants(p: Props[string]): unknown[] {
  if (p.enum) return p.enum;
  if (p.type === 'boolean') return [true, false];
  if (p.type === 'integer' || p.type === 'number') {
    const d = typeof p.default === 'number' ? p.default : p.minimum ?? 1;
    const other = p.type === 'integer' ? Math.max(p.minimum ?? 1, d === 0 ? 1 : d * 2) : d === 0 ? 0.5 : d / 2;
    return [...new Set([d, p.maximum !== undefined ? Math.min(other, p.maximum) : other, ...(p.minimum === 0 ? [0] : [])])];
  }
  return [];
}

/** One stage recipe per option value (algorithm, reward): the rest at the schema's defaults. */
function optionRecipes(trainer: ForeignKind, version: string): { what: string; recipe: Recipe }[] {
  const out: { what: string; recipe: Recipe }[] = [];
  const base = (algorithm: Record<string, unknown>, reward: Record<string, unknown>, data: Record<string, unknown> = {}): Recipe => ({
    name: 'facts',
    model: { trainer, trainer_version: version as never, path: 'org/model', cwd: '/clone' },
    stages: [
      { id: 'a', kind: 'perception', steps: 3, init_from: null, data: { file: '/d/train.parquet', val_file: '/d/val.parquet', ...data }, algorithm, reward },
      { id: 'b', kind: 'textual-reasoning', steps: 2, data: { file: '/d/train.parquet', val_file: '/d/val.parquet', ...data }, algorithm, reward },
    ],
  } as Recipe);
  out.push({ what: 'defaults', recipe: base({}, {}) });
  for (const block of ['algorithm', 'reward'] as const) {
    for (const [key, p] of Object.entries(defs[block].properties)) {
      for (const v of variants(p)) {
        const set = { [key]: v };
        // global_batch_size must divide rollout_batch_size (checkBatches).
        if (key === 'global_batch_size') set.rollout_batch_size = (v as number) * 4;
        if (key === 'rollout_batch_size') set.global_batch_size = v;
        out.push({ what: `${block}.${key}=${JSON.stringify(v)}`, recipe: block === 'algorithm' ? base(set, {}) : base({}, set) });
      }
    }
  }
  out.push({ what: 'reward weights no EasyR1 function has', recipe: base({}, { accuracy_weight: 0.7, format_weight: 0.2 }) });
  out.push({ what: 'a format pattern of the recipe', recipe: base({}, { format_pattern: '<answer>.*</answer>' }) });
  out.push({ what: 'data columns named', recipe: base({}, {}, { prompt_key: 'prompt', image_key: 'images', answer_key: 'answer' }) });
  out.push({ what: 'no validation file', recipe: base({}, {}, { val_file: undefined }) });
  return out;
}

/** The (key, value) pairs a compiled command sets: Hydra/OmegaConf `key=value`, or argparse `--flag value…`. */
function settings(trainer: ForeignKind, argv: string[]): [string, string[]][] {
  if (trainer === 'trl') {
    const out: [string, string[]][] = [];
    for (const a of argv) {
      if (a.startsWith('--')) out.push([a.slice(2), []]);
      else if (out.length) out[out.length - 1][1].push(a);
    }
    return out;
  }
  return argv.filter((a) => /^[\w.+]+=/.test(a) && !a.startsWith('config=')).map((a) => [a.slice(0, a.indexOf('=')), [a.slice(a.indexOf('=') + 1)]]);
}

/**
 * Whether a command-line value parses as the upstream type: the annotation (EasyR1, TRL), or the type of
 * verl's YAML default — which does not tell int from float (`top_p: 1`), so there any number fits a number.
 */
function valueFits(trainer: ForeignKind, type: string, values: string[]): boolean {
  let t = type.replace(/^Optional\[(.*)\]$/, '$1').replace(/ \| None$|^None \| /, '');
  if (trainer === 'verl' && t === 'int') t = 'float';
  const one = values[0];
  if (/^(list|List|Tuple|tuple)\b/.test(t)) return values.length >= 1;
  if (values.length !== 1) return false;
  if (t === 'bool') return one === 'true' || one === 'false';
  if (t === 'int') return /^-?\d+$/.test(one);
  if (t === 'float') return /^-?(\d+\.\d*|\.\d+|\d+)(e-?\d+)?$/i.test(one) || one === '.nan';
  return true;
}

describe('upstream facts: the supported versions', () => {
  it('each facts file was read at the commit it is named after, for its trainer', () => {
    for (const [trainer, versions] of Object.entries(SUPPORTED_VERSIONS) as [ForeignKind, SupportedVersion[]][]) {
      assert.ok(versions.length >= 1);
      for (const v of versions) {
        assert.equal(v.facts.trainer, trainer);
        assert.ok(v.facts.commit.startsWith(v.id) && /^[0-9a-f]{40}$/.test(v.facts.commit), `${trainer} ${v.id}: ${v.facts.commit}`);
        assert.ok(Object.keys(v.facts.config).length > 100, `${trainer} ${v.id} has its config keys`);
        assert.ok(v.range.includes(v.id) || v.range.includes(v.facts.version), v.range);
      }
    }
  });

  it('the recipe schema offers exactly the supported versions, each described', () => {
    const p = (defs.model.properties as Record<string, { enum?: string[]; enumDescriptions?: string[] }>).trainer_version;
    assert.deepEqual(p.enum, ALL_VERSION_IDS);
    assert.equal(p.enumDescriptions?.length, ALL_VERSION_IDS.length);
  });

  it('the version facts differ where the compilers branch on them', () => {
    const [e1, e2] = SUPPORTED_VERSIONS.easyr1.map((v) => v.facts);
    assert.deepEqual([acceptsKey(e1, 'worker.reward.reward_type'), acceptsKey(e2, 'worker.reward.reward_type')], [true, false]);
    assert.deepEqual([e1.reward.typeFrom, e2.reward.typeFrom], ['config', 'module']);
    const [v1, v2] = SUPPORTED_VERSIONS.verl.map((v) => v.facts);
    assert.deepEqual([v1.data.extensions.includes('.jsonl'), v2.data.extensions.includes('.jsonl')], [false, true]);
    assert.deepEqual([v1.reward.customKey, v2.reward.customKey], ['custom_reward_function', 'reward.custom_reward_function']);
  });
});

describe('upstream facts: every key a command sets, for every schema option, at every supported version', () => {
  for (const [trainer, versions] of Object.entries(SUPPORTED_VERSIONS) as [ForeignKind, SupportedVersion[]][]) {
    for (const v of versions) {
      it(`${trainer} ${v.id}`, () => {
        let compiled = 0;
        const seen = new Set<string>();
        for (const { what, recipe } of optionRecipes(trainer, v.id)) {
          const resolved = resolveRecipe(recipe);
          for (const stage of resolved.stages) {
            let c;
            try {
              c = compileStage({ recipe: resolved, stageId: stage.id, runDir: '/r', recipeDir: '/rec' });
            } catch (err) {
              // A refusal names what to change (and the recipe checks report it first); a key bug is not a refusal.
              assert.ok(err instanceof CompileError && !/has no (key|flag)/.test(err.message), `${what}: ${(err as Error).message}`);
              continue;
            }
            compiled++;
            assert.equal(c.version?.id, v.id);
            for (const [key, values] of settings(trainer, c.argv)) {
              seen.add(key);
              assert.ok(acceptsKey(v.facts as UpstreamFacts, key), `${trainer} ${v.id}, ${what}: '${key}' is not upstream`);
              const type = (v.facts as UpstreamFacts).config[key]?.type;
              if (type) assert.ok(valueFits(trainer, type, values), `${trainer} ${v.id}, ${what}: ${key}=${values.join(' ')} is not a ${type}`);
            }
            for (const k of Object.keys(c.env)) if (k.startsWith('VERL_FILE_LOGGER')) assert.ok((v.facts as { files: { loggerEnv: string[] } }).files.loggerEnv.includes(k));
          }
        }
        assert.ok(compiled > 40, `${compiled} stages compiled`);
        assert.ok(seen.size > 15, `${seen.size} keys checked`);
      });
    }
  }

  it('the EasyR1 merge step uses a script and flag upstream has', () => {
    for (const v of SUPPORTED_VERSIONS.easyr1) {
      const recipe = resolveRecipe(optionRecipes('easyr1', v.id)[0].recipe);
      const c = compileStage({ recipe, stageId: 'a', runDir: '/r', recipeDir: '/rec' });
      assert.equal(c.after[0].argv[1], join('/clone', v.facts.entry.mergerScript));
      assert.ok(v.facts.entry.mergerFlags.includes(c.after[0].argv[2]));
      assert.equal(c.argv[2], v.facts.entry.module);
    }
  });
});

describe('upstream facts: file names and log shapes the adapters read', () => {
  const easyr1 = SUPPORTED_VERSIONS.easyr1.map((v) => v.facts);
  it('EasyR1: file logger files, checkpoint tracker, validation length key', () => {
    for (const f of easyr1) {
      assert.deepEqual([f.files.log, f.files.config, f.files.generations, f.files.tracker], [EASYR1_LOG, EASYR1_CONFIG, EASYR1_GENERATIONS, EASYR1_TRACKER]);
      assert.ok(f.files.trackerKeys.includes('last_global_step'));
      assert.equal(f.logs.generationBlock, '[prompt] {inp}\n[output] {out}\n[ground_truth] {lab}\n[score] {score}\n\n');
      // ray_trainer._validate logs lengths as val_{key}: the dashboard's validation length comes from that key.
      assert.ok(f.logs.validation.includes('val_{key}') && f.logs.lengthMetrics.includes('response_length/mean'));
      assert.equal(mapEasyR1({ 'val_response_length/mean': 321 })[METRICS.valResponseLength], 321);
      for (const k of ['val/reward_score', 'val/{key}_reward']) assert.ok(f.logs.validation.includes(k));
      assert.equal(f.logs.console.stepHeader, 'Step {step}\n');
    }
  });
  it('verl: tracker, dump keys, console pairs, validation sections', () => {
    for (const f of SUPPORTED_VERSIONS.verl.map((v) => v.facts)) {
      assert.equal(f.files.tracker, VERL_TRACKER);
      assert.deepEqual(f.files.dumpKeys.slice(0, 4), ['input', 'output', 'gts', 'score']);
      assert.deepEqual(f.logs.console, { step: 'step:{step}', pair: '{k}:{pprint.pformat(v)}', separator: ' - ' });
      assert.deepEqual(f.logs.validationSections, ['val-core', 'val-aux']);
      assert.deepEqual(f.logs.coreVar, ['acc', 'reward']);
      assert.match(f.logs.fileSerializer, /null/);
      assert.match(f.logs.totalSteps, /^Total training steps: /);
    }
  });
  it('TRL: one completions file per logging step, reward columns by function name, state file', () => {
    const f = SUPPORTED_VERSIONS.trl[0].facts;
    assert.equal(f.files.completionsDir, TRL_COMPLETIONS_DIR);
    assert.equal(f.files.completions, 'completions_{self.state.global_step:05d}.parquet');
    assert.deepEqual(f.files.completionsColumns, ['step', 'prompt', 'completion', "**self._logs['rewards']", "**self._logs['extra']", 'advantage']);
    assert.equal(f.files.state, TRL_STATE);
    assert.ok(f.entry.rewardFuncsDotted, 'trl.scripts.grpo imports reward functions by dotted path');
    for (const m of ['reward', 'rewards/{reward_func_name}/mean', 'completions/mean_length', 'kl', 'entropy', 'clip_ratio/region_mean']) assert.ok(f.logs.metrics.includes(m), m);
  });
});

describe('upstream facts: version detection', () => {
  it('a recipe that names a version of another trainer is refused with the supported ones', () => {
    const recipe = resolveRecipe({ name: 'x', model: { trainer: 'verl', trainer_version: 'd146d24' }, stages: [{ id: 'a', kind: 'perception', steps: 1 }] } as Recipe);
    const r = resolveTrainerVersion(recipe, '/rec', { disk: false });
    assert.equal(r.problems[0].severity, 'error');
    assert.match(r.problems[0].message, /'d146d24' is not a supported verl version; supported: b178a3c .*1dda039/);
  });
  it('the facts script is in the repository and records how to run it', () => {
    const script = readFileSync(join(__dirname, '../../scripts/upstream-facts.mjs'), 'utf8');
    for (const t of ['easyr1', 'verl', 'trl']) assert.match(script, new RegExp(`node scripts/upstream-facts\\.mjs ${t}`));
  });
});
