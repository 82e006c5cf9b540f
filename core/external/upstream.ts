// The upstream versions each external trainer is supported at, with the facts read from its source there
// (core/external/<trainer>/upstream/<commit>.json, written by scripts/upstream-facts.mjs from a clone): config
// keys and types, command-line flags, file names and log line shapes. The command compilers, the recipe
// checks and the log adapters take trainer keys from here, so a key that is not upstream cannot slip in.
import easyr1D146d24 from './easyr1/upstream/d146d24.json';
import easyr1B44b311 from './easyr1/upstream/b44b311.json';
import verlB178a3c from './verl/upstream/b178a3c.json';
import verl1dda039 from './verl/upstream/1dda039.json';
import trlF2cd577 from './trl/upstream/f2cd577.json';
import type { ForeignKind } from './foreignRun';
import { editDistance } from '../recipe/problems';

export interface ConfigKey {
  /** The annotation (EasyR1, TRL) or the type of the default value (verl's composed YAML). */
  type: string;
  default?: unknown;
  /** A dataclass field the trainer sets itself (`init=False`). */
  init?: boolean;
  /** TRL: the argument dataclass that declares the flag. */
  group?: string;
}

interface FactsBase {
  repository: string;
  commit: string;
  describe: string;
  date: string;
  /** The package's own version string at that commit. */
  version: string;
  /** Every key (EasyR1, verl: dotted config keys) or flag (TRL, without `--`) the trainer accepts. */
  config: Record<string, ConfigKey>;
  /** Keys whose value is a free dict: any sub-key is accepted below them. */
  openKeys: string[];
}

export interface EasyR1Facts extends FactsBase {
  trainer: 'easyr1';
  entry: { module: string; configArg: string; strict: boolean; mergerScript: string; mergerFlags: string[] };
  rewardFunctions: string[];
  reward: { typeFrom: 'config' | 'module'; functionKey: string; kwargsKey: string };
  workerEnv: Record<string, string>;
  files: { log: string; config: string; generations: string; tracker: string; trackerKeys: string[]; checkpointDir: string };
  logs: {
    fileLine: string;
    console: { stepHeader: string; body: string; configHeader: string };
    generationBlock: string;
    validation: string[];
    lengthMetrics: string[];
    /** Top-level groups of the nested log records (actor, critic, reward, val …). */
    metricGroups: string[];
    totalSteps: string;
  };
}

export interface VerlFacts extends FactsBase {
  trainer: 'verl';
  entry: { module: string; strict: boolean; overrideSyntax: string };
  reward: { customKey: string; call: string[]; groundTruth: string; dataSource: string; dictResult: boolean };
  data: { extensions: string[]; promptIsMessages: boolean };
  files: { loggerEnv: string[]; tracker: string; checkpointDir: string; dumpFile: string; dumpKeys: string[] };
  logs: {
    fileLine: string;
    fileSerializer: string;
    fileMode: string;
    console: { step: string; pair: string; separator: string };
    validationSections: string[];
    validationKey: string;
    coreVar: string[];
    totalSteps: string;
    epochCap: string;
  };
}

export interface TrlFacts extends FactsBase {
  trainer: 'trl';
  trainingArguments: string;
  entry: { module: string; strict: boolean; parser: string; rewardFuncsDotted: boolean; rewardFuncsBuiltin: string[] };
  files: { completionsDir: string; completions: string; completionsColumns: string[]; state: string; checkpointDir: string };
  logs: { metrics: string[]; evalPrefix: string; reward: string; modeOfFile: string };
}

export type UpstreamFacts = EasyR1Facts | VerlFacts | TrlFacts;
export type FactsOf<T extends ForeignKind> = Extract<UpstreamFacts, { trainer: T }>;

export interface SupportedVersion<T extends ForeignKind = ForeignKind> {
  trainer: T;
  /** The id a recipe names in model.trainer_version: the commit the facts were read at. */
  id: string;
  /** The upstream versions these facts stand for, in words (README, show-command, problems). */
  range: string;
  /** EasyR1: the first commit of the range (a clone whose HEAD descends from it is in range). */
  since?: string;
  /** verl, TRL: installed package versions these facts stand for. */
  packages?: RegExp;
  facts: FactsOf<T>;
}

const f = <T extends ForeignKind>(json: unknown) => json as FactsOf<T>;

/** Oldest first, per trainer. */
export const SUPPORTED_VERSIONS: { [T in ForeignKind]: SupportedVersion<T>[] } = {
  easyr1: [
    {
      trainer: 'easyr1', id: 'd146d24', since: 'cec1814',
      range: 'hiyouga/EasyR1 cec1814 … d146d24 (2025-10-05 … 2025-11-03): file logger, worker.reward.reward_type — what the paper\'s scripts need',
      facts: f<'easyr1'>(easyr1D146d24),
    },
    {
      trainer: 'easyr1', id: 'b44b311', since: 'b637de8',
      range: 'hiyouga/EasyR1 b637de8 … b44b311 (2025-11-16 … 2026-07-30): the reward type comes from the reward module\'s REWARD_TYPE',
      facts: f<'easyr1'>(easyr1B44b311),
    },
  ],
  verl: [
    {
      trainer: 'verl', id: 'b178a3c', packages: /^0\.(7\.\d+|8\.0\.dev\d*)$/,
      range: 'verl 0.7.x – 0.8.0.dev (read at volcengine/verl b178a3c, 2026-01-29): data files .parquet/.json, custom_reward_function at the top level',
      facts: f<'verl'>(verlB178a3c),
    },
    {
      trainer: 'verl', id: '1dda039', packages: /^0\.(8\.\d+|9\.\d+|10\.0\.dev\d*)$/,
      range: 'verl 0.8.x – 0.10.0.dev (read at verl-project/verl 1dda039, 2026-08-22): .jsonl data too, reward.custom_reward_function',
      facts: f<'verl'>(verl1dda039),
    },
  ],
  trl: [
    {
      trainer: 'trl', id: 'f2cd577', packages: /^1\.(9\.\d+|10\.0\.dev\d*)$/,
      range: 'TRL 1.9.x – 1.10.0.dev0 (read at huggingface/trl f2cd577, 2026-07-24; v1.9.0 has the same flags)',
      facts: f<'trl'>(trlF2cd577),
    },
  ],
};

export const ALL_VERSION_IDS = Object.values(SUPPORTED_VERSIONS).flat().map((v) => v.id);

export function supportedVersion<T extends ForeignKind>(trainer: T, id: string): SupportedVersion<T> | undefined {
  return (SUPPORTED_VERSIONS[trainer] as SupportedVersion<T>[]).find((v) => v.id === id);
}

export const newestVersion = <T extends ForeignKind>(trainer: T): SupportedVersion<T> => {
  const all = SUPPORTED_VERSIONS[trainer] as SupportedVersion<T>[];
  return all[all.length - 1];
};

/** Whether `key` is a key the trainer accepts: declared, or below an open (free dict) key. */
export function acceptsKey(facts: UpstreamFacts, key: string): boolean {
  if (Object.hasOwn(facts.config, key)) return true;
  return facts.openKeys.some((open) => key.startsWith(open + '.'));
}

/** The closest declared keys to a wrong one (same last segment, or one edit away), for "did you mean". */
export function nearKeys(facts: UpstreamFacts, key: string, max = 3): string[] {
  const last = key.split('.').pop()!;
  return Object.keys(facts.config)
    .map((k) => ({ k, score: k.split('.').pop() === last ? 0 : editDistance(k, key) }))
    .filter((x) => x.score <= Math.max(2, Math.floor(key.length / 8)))
    .sort((a, b) => a.score - b.score || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((x) => x.k);
}
