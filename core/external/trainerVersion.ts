// Which supported upstream version a stage is compiled for: the recipe's model.trainer_version, else what
// model.cwd holds (an EasyR1 clone: its git HEAD against the range's first commit, or the source itself;
// a verl clone: verl/version/version), else — where a process may be started (show-command, launch) — the
// installed package (`<python> -c importlib.metadata.version(...)`), else the newest supported version,
// said so. A version outside every supported range is a problem the recipe checks report before a launch.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedRecipe } from '../../protocol/recipe';
import type { ForeignKind } from './foreignRun';
import { newestVersion, SUPPORTED_VERSIONS, supportedVersion, type SupportedVersion } from './upstream';
import { recipePath } from './stageContext';

export interface TrainerVersion<T extends ForeignKind = ForeignKind> extends SupportedVersion<T> {
  /** How it was decided. */
  how: 'recipe' | 'git' | 'source' | 'package' | 'assumed';
  /** What was found, in words ("git HEAD 5f3e2a1 in /work/EasyR1 descends from cec1814"). */
  detail: string;
}

export interface VersionProblem {
  /** The recipe setting the problem is about. */
  at: 'model.trainer_version' | 'model.cwd' | 'model.python';
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export interface DetectOptions {
  /** Run model.python to ask the installed package for its version (not in the editor: it may be slow). */
  probePackage?: boolean;
  /** Look at model.cwd on this machine (default true); false: the recipe's word only. */
  disk?: boolean;
}

const run = (cmd: string, args: string[], cwd?: string): string | undefined => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 15000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

const supportedList = (trainer: ForeignKind) => SUPPORTED_VERSIONS[trainer].map((v) => `${v.id} (${v.range})`).join('; ');

/** EasyR1 in a folder: the newest range whose first commit HEAD descends from, or by its source. */
function easyr1In(cwd: string): { version?: SupportedVersion<'easyr1'>; how: 'git' | 'source'; detail: string } | undefined {
  if (!existsSync(join(cwd, 'verl', 'trainer', 'main.py'))) return undefined;
  // Only the clone's own history counts (not a repository the folder happens to sit in).
  const top = run('git', ['rev-parse', '--show-toplevel'], cwd);
  const head = top && realpathSync(top) === realpathSync(cwd) ? run('git', ['rev-parse', '--short', 'HEAD'], cwd) : undefined;
  if (head) {
    const describe = run('git', ['describe', '--tags', '--always'], cwd) ?? head;
    for (const v of [...SUPPORTED_VERSIONS.easyr1].reverse()) {
      if (run('git', ['merge-base', '--is-ancestor', v.since!, 'HEAD'], cwd) !== undefined) {
        return { version: v, how: 'git', detail: `git HEAD ${describe} in ${cwd} descends from ${v.since}` };
      }
    }
    // Not an ancestor of any range start: older than the file logger, or a clone without that history.
    const known = SUPPORTED_VERSIONS.easyr1.some((v) => run('git', ['cat-file', '-e', `${v.since}^{commit}`], cwd) !== undefined);
    if (known) return { how: 'git', detail: `git HEAD ${describe} in ${cwd} is older than ${SUPPORTED_VERSIONS.easyr1[0].since} (EasyR1's file logger)` };
  }
  // No usable history: read the source. The reward type is a config key up to d146d24 and the module's after.
  const reward = join(cwd, 'verl', 'workers', 'reward', 'config.py');
  const logger = join(cwd, 'verl', 'utils', 'logger', 'logger.py');
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  if (!/class FileLogger\b/.test(read(logger))) return { how: 'source', detail: `${logger} has no FileLogger (EasyR1 older than cec1814)` };
  const hasType = /^\s+reward_type\s*:/m.test(read(reward));
  const v = SUPPORTED_VERSIONS.easyr1[hasType ? 0 : 1];
  return { version: v, how: 'source', detail: `${reward} ${hasType ? 'declares' : 'has no'} reward_type` };
}

const PACKAGE: Record<Exclude<ForeignKind, 'easyr1'>, string> = { verl: 'verl', trl: 'trl' };

function byPackageVersion<T extends 'verl' | 'trl'>(trainer: T, version: string): SupportedVersion<T> | undefined {
  return (SUPPORTED_VERSIONS[trainer] as SupportedVersion<T>[]).find((v) => v.packages?.test(version));
}

/**
 * The version a recipe's stages compile for, and what is wrong with it. `problems` are empty when the version
 * is known and supported; an unknown one falls back to the newest supported version with a warning.
 */
export function resolveTrainerVersion<T extends ForeignKind>(recipe: ResolvedRecipe, recipeDir: string, o: DetectOptions = {}): { version: TrainerVersion<T>; problems: VersionProblem[] } {
  const trainer = recipe.model.trainer as T;
  const problems: VersionProblem[] = [];
  const fallback = (detail: string): { version: TrainerVersion<T>; problems: VersionProblem[] } => ({ version: { ...newestVersion(trainer), how: 'assumed', detail }, problems });
  const set = recipe.model.trainer_version;
  if (set !== undefined) {
    const v = supportedVersion(trainer, set);
    if (v) return { version: { ...v, how: 'recipe', detail: `model.trainer_version: ${set}` }, problems };
    problems.push({ at: 'model.trainer_version', severity: 'error', message: `'${set}' is not a supported ${trainer} version; supported: ${supportedList(trainer)}` });
    return fallback(`model.trainer_version '${set}' is not a ${trainer} version`);
  }
  const cwd = recipe.model.cwd && o.disk !== false ? recipePath(recipeDir, recipe.model.cwd) : undefined;
  if (trainer === 'easyr1' && cwd) {
    const found = easyr1In(cwd);
    if (found?.version) return { version: { ...(found.version as unknown as SupportedVersion<T>), how: found.how, detail: found.detail }, problems };
    if (found) {
      problems.push({ at: 'model.cwd', severity: 'error', message: `${found.detail}: update EasyR1 to a supported version (${supportedList('easyr1')}), or set model.trainer_version if this is one` });
      return fallback(found.detail);
    }
  }
  if (trainer === 'verl' && cwd) {
    const file = join(cwd, 'verl', 'version', 'version');
    if (existsSync(file)) {
      const pkg = readFileSync(file, 'utf8').trim();
      const v = byPackageVersion('verl', pkg);
      if (v) return { version: { ...(v as unknown as SupportedVersion<T>), how: 'source', detail: `${file}: ${pkg}` }, problems };
      problems.push({ at: 'model.cwd', severity: 'error', message: `verl ${pkg} (${file}) is not a supported version; supported: ${supportedList('verl')}` });
      return fallback(`verl ${pkg} in ${cwd}`);
    }
  }
  if (o.probePackage && trainer !== 'easyr1') {
    const python = recipe.model.python ?? 'python3';
    const name = PACKAGE[trainer as 'verl' | 'trl'];
    const pkg = run(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(name)}))`], cwd && existsSync(cwd) ? cwd : undefined);
    if (pkg) {
      const v = byPackageVersion(trainer as 'verl' | 'trl', pkg);
      if (v) return { version: { ...(v as unknown as SupportedVersion<T>), how: 'package', detail: `${python}: ${name} ${pkg}` }, problems };
      problems.push({ at: 'model.python', severity: 'error', message: `${name} ${pkg} (installed for ${python}) is not a supported version; supported: ${supportedList(trainer)}` });
      return fallback(`${name} ${pkg} installed for ${python}`);
    }
  }
  const newest = newestVersion(trainer);
  problems.push({
    at: 'model.trainer_version', severity: 'info',
    message: `the ${trainer} version was not detected${trainer === 'easyr1' ? ' (model.cwd is not an EasyR1 clone here)' : ''}: compiled for ${newest.id} (${newest.range}); set model.trainer_version to say which one you run (${SUPPORTED_VERSIONS[trainer].map((v) => v.id).join(', ')})`,
  });
  return fallback('not detected: the newest supported version');
}
