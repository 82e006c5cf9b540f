// Attach to Run Folder: which trainer wrote this folder? Looks for each trainer's own files and checks their
// content (an experiment_log.jsonl is EasyR1's only when its records have EasyR1's nested metric groups;
// console output captured to a file is EasyR1's or verl's by its line shapes — the facts in upstream.ts),
// in the folder itself and then a few levels down, and says why it decided, or why a file it saw is not a
// run. Pure Node, no vscode: the CLI and the extension both use it.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { isObj } from '../../protocol/guards';
import { RUN_FILES } from '../../protocol/runRecords';
import { EASYR1_LOG } from './easyr1/easyr1ExperimentLog';
import { EASYR1_GENERATIONS } from './easyr1/easyr1Generations';
import { EASYR1_CONFIG, EASYR1_LEGACY_TRACKER, EASYR1_TRACKER, EasyR1RunReader } from './easyr1/easyr1Run';
import { isEasyR1Console } from './easyr1/easyr1Console';
import { newestVersion } from './upstream';
import { VERL_TRACKER, VerlRunReader, type VerlRunPaths } from './verl/verlRun';
import { TRL_STATE } from './trl/trlTrainerState';
import { TRL_COMPLETIONS_DIR } from './trl/trlCompletions';
import { TrlRunReader } from './trl/trlRun';
import type { ForeignKind, ForeignRunReader, ReaderContext } from './foreignRun';

export type DetectedFolder =
  | { kind: 'see2think'; dir: string; evidence: string[] }
  | { kind: 'easyr1'; dir: string; evidence: string[]; consoleFile?: string }
  | { kind: 'verl'; dir: string; evidence: string[]; paths: VerlRunPaths }
  | { kind: 'trl'; dir: string; evidence: string[] };

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function head(file: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

const firstLineObject = (file: string): Record<string, unknown> | undefined => {
  const line = head(file, 64 * 1024).split('\n')[0];
  try {
    const v = parseJsonLoose(line);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
};

const isVerlLog = (file: string) => {
  const o = firstLineObject(file);
  return !!o && typeof o.step === 'number' && !!o.data && typeof o.data === 'object';
};

/** A folder of `<step>.jsonl` sample dumps (verl rollout_data_dir / validation_data_dir). */
function isDumpDir(dir: string): boolean {
  const dumps = readdirSync(dir).filter((n) => /^\d+\.jsonl$/.test(n));
  if (!dumps.length) return false;
  const o = firstLineObject(join(dir, dumps[0]));
  return !!o && typeof o.input === 'string' && typeof o.output === 'string';
}

const EASYR1_GROUPS = new Set(newestVersion('easyr1').facts.logs.metricGroups);

/** EasyR1's FileLogger line: {"step": N, …unflatten_dict(metrics)} with at least one of its nested groups. */
function isEasyR1Record(o: Record<string, unknown>): boolean {
  return typeof o.step === 'number' && Object.entries(o).some(([k, v]) => EASYR1_GROUPS.has(k) && !!v && typeof v === 'object' && !Array.isArray(v));
}

const jsonObject = (file: string) => {
  try {
    const v = parseJsonLoose(head(file, 1 << 20));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** EasyR1's own files in `dir` that hold what EasyR1 writes; files named like them that do not go to `rejected`. */
function easyr1Evidence(dir: string, has: (n: string) => boolean, rejected: string[]): string[] {
  const evidence: string[] = [];
  if (has(EASYR1_LOG)) {
    const first = firstLineObject(join(dir, EASYR1_LOG));
    if (first && isEasyR1Record(first)) evidence.push(EASYR1_LOG);
    else if (first) rejected.push(`${join(dir, EASYR1_LOG)}: not an EasyR1 log (its first record has none of EasyR1's nested metric groups: ${[...EASYR1_GROUPS].join(', ')})`);
  }
  if (has(EASYR1_CONFIG)) {
    const cfg = jsonObject(join(dir, EASYR1_CONFIG));
    if (cfg && ['data', 'worker', 'trainer'].every((k) => cfg[k] && typeof cfg[k] === 'object')) evidence.push(EASYR1_CONFIG);
    else rejected.push(`${join(dir, EASYR1_CONFIG)}: not an EasyR1 config (no data, worker and trainer sections)`);
  }
  if (has(EASYR1_GENERATIONS) && head(join(dir, EASYR1_GENERATIONS), 16).startsWith('[prompt] ')) evidence.push(EASYR1_GENERATIONS);
  if (has(EASYR1_TRACKER) && typeof jsonObject(join(dir, EASYR1_TRACKER))?.last_global_step === 'number') evidence.push(EASYR1_TRACKER);
  if (has(EASYR1_LEGACY_TRACKER)) evidence.push(EASYR1_LEGACY_TRACKER);
  return evidence;
}

/** What is in `dir` itself (not below); why files that looked like a run's are not go to `rejected`. */
export function detectHere(dir: string, rejected: string[] = []): DetectedFolder | undefined {
  if (!isDir(dir)) return undefined;
  const names = new Set(readdirSync(dir));
  const has = (n: string) => names.has(n);
  if (has(RUN_FILES.run) || (has(RUN_FILES.stagesDir) && isDir(join(dir, RUN_FILES.stagesDir)))) {
    return { kind: 'see2think', dir, evidence: [has(RUN_FILES.run) ? RUN_FILES.run : `${RUN_FILES.stagesDir}/`] };
  }
  const easy = easyr1Evidence(dir, has, rejected);
  // Console output captured to a file (EasyR1's default loggers are console + wandb).
  const logs = [...names].sort().filter((n) => /\.(log|out|txt)$/.test(n) && n !== EASYR1_GENERATIONS && !isDir(join(dir, n)));
  const easyConsole = logs.find((n) => isEasyR1Console(head(join(dir, n), 512 * 1024)));
  if (easy.length) return { kind: 'easyr1', dir, evidence: easy, ...(easyConsole ? { consoleFile: join(dir, easyConsole) } : {}) };
  if (easyConsole) return { kind: 'easyr1', dir, evidence: [`${easyConsole} (EasyR1 console output)`], consoleFile: join(dir, easyConsole) };

  const trl: string[] = [];
  if (has(TRL_STATE)) trl.push(TRL_STATE);
  const cks = [...names].filter((n) => /^checkpoint-\d+$/.test(n) && existsSync(join(dir, n, TRL_STATE)));
  if (cks.length) trl.push(`${cks.length} checkpoint-N/${TRL_STATE}`);
  if (has(TRL_COMPLETIONS_DIR) && isDir(join(dir, TRL_COMPLETIONS_DIR))) trl.push(`${TRL_COMPLETIONS_DIR}/`);
  if (trl.length) return { kind: 'trl', dir, evidence: trl };

  const paths: VerlRunPaths = {};
  const evidence: string[] = [];
  let planLog: string | undefined;
  if (has(VERL_TRACKER)) {
    paths.checkpointDir = dir;
    evidence.push(VERL_TRACKER);
  }
  for (const n of [...names].sort()) {
    const p = join(dir, n);
    if (/\.jsonl$/.test(n) && !/^\d+\.jsonl$/.test(n) && !paths.logFile && isVerlLog(p)) {
      paths.logFile = p;
      evidence.push(`${n} (verl file logger)`);
    } else if (isDir(p) && isDumpDir(p)) {
      if (/val/i.test(n)) paths.validationDir ??= p;
      else paths.rolloutDir ??= p;
      evidence.push(`${n}/ (sample dumps)`);
    } else if (/\.(log|out|txt)$/.test(n) && !paths.consoleFile && /(^|\s)step:\d+ - \S+:/m.test(head(p, 512 * 1024))) {
      paths.consoleFile = p;
      evidence.push(`${n} (verl console)`);
    } else if (/\.(log|out|txt)$/.test(n) && !planLog && /Total training steps: \d+/.test(head(p, 512 * 1024))) {
      // Console output from before the first step: it names the planned count (used when the rest is verl's).
      planLog = n;
    } else if (isDir(p) && existsSync(join(p, VERL_TRACKER)) && !paths.checkpointDir) {
      paths.checkpointDir = p;
      evidence.push(`${n}/${VERL_TRACKER}`);
    }
  }
  if (evidence.length && (paths.logFile || paths.consoleFile || paths.checkpointDir || paths.rolloutDir || paths.validationDir)) {
    if (!paths.consoleFile && planLog) {
      paths.consoleFile = join(dir, planLog);
      evidence.push(`${planLog} (verl console: the planned step count)`);
    }
    return { kind: 'verl', dir, evidence, paths };
  }
  return undefined;
}

const SKIP = new Set(['node_modules', '.git', '__pycache__', 'wandb', 'huggingface', 'actor', 'critic']);

/**
 * Every trainer run found at `dir` or below (breadth first, `maxDepth` levels), without descending into a
 * run once found. An empty list means nothing recognisable is there.
 */
export function detectRunFolders(dir: string, maxDepth = 3, rejected: string[] = []): DetectedFolder[] {
  const found: DetectedFolder[] = [];
  let level = [dir];
  for (let depth = 0; depth <= maxDepth && level.length; depth++) {
    const next: string[] = [];
    for (const d of level) {
      const hit = detectHere(d, rejected);
      if (hit) {
        found.push(hit);
        continue;
      }
      if (depth === maxDepth || !isDir(d)) continue;
      let entries: string[] = [];
      try {
        entries = readdirSync(d);
      } catch {
        continue;
      }
      for (const n of entries.sort()) {
        if (SKIP.has(n) || n.startsWith('.') || /^global_step_\d+$/.test(n)) continue;
        const p = join(d, n);
        if (isDir(p)) next.push(p);
      }
    }
    level = next;
  }
  return found;
}

/** A live reader of a detected foreign run (not of a See2Think run folder: that is read as it is). */
export function openForeignReader(d: Exclude<DetectedFolder, { kind: 'see2think' }>, ctx: ReaderContext): ForeignRunReader {
  switch (d.kind) {
    case 'easyr1':
      return new EasyR1RunReader(d.dir, ctx, d.consoleFile);
    case 'verl':
      return new VerlRunReader(d.paths, ctx);
    case 'trl':
      return new TrlRunReader(d.dir, ctx);
  }
}

export const describeDetection = (d: DetectedFolder) => `${d.kind} run at ${d.dir} (${d.evidence.join(', ')})`;
export const foreignKinds: readonly ForeignKind[] = ['easyr1', 'verl', 'trl'];
export const folderName = (d: DetectedFolder) => basename(d.dir);
