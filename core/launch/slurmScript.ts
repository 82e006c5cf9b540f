// The batch script a SLURM stage runs (kept in the run directory as stages/<id>/job.sbatch): #SBATCH lines
// from the recipe's launch block, the environment, then `exec` of the stage's argument vector. Recipe text
// never reaches bash unquoted: every value in the body is single-quoted, and #SBATCH values (read by sbatch,
// which cannot quote) must be plain tokens — anything else is refused with the field to fix.
import type { ResolvedLaunch } from '../../protocol/recipe';

export class SlurmScriptError extends Error {}

/** POSIX single quoting: safe for any string without NUL. */
export function bashQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
/** What an #SBATCH value may contain: no blanks, quotes, comment or shell metacharacters. */
const PLAIN = /^[A-Za-z0-9_.:,/@%+=\-[\]]+$/;

function plain(value: string, field: string): string {
  if (!PLAIN.test(value)) {
    throw new SlurmScriptError(`launch.${field}: '${value.replace(CONTROL, '?')}' is not allowed in an #SBATCH line (letters, digits and _ . : , / @ % + = - [ ] only)`);
  }
  return value;
}

/**
 * SLURM --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS; whole minutes when a bare number is
 * given (sbatch reads "30" as 30 minutes and rejects "1.5").
 */
export function slurmTime(t: string): string {
  const v = t.trim();
  if (/^\d+$/.test(v) || /^\d+:\d{1,2}(:\d{1,2})?$/.test(v) || /^\d+-\d{1,2}(:\d{1,2}){0,2}$/.test(v) || v === 'UNLIMITED' || v === 'infinite') return v;
  if (/^\d+\.\d+$/.test(v)) throw new SlurmScriptError(`launch.time: '${v}' — SLURM takes whole minutes (e.g. ${Math.ceil(Number(v))}) or HH:MM:SS`);
  throw new SlurmScriptError(`launch.time: '${v}' is not a SLURM time (minutes, HH:MM:SS, D-HH:MM:SS …)`);
}

/** Options sbatch must not take from a recipe: they would replace the script or its output files. */
const RESERVED = new Set(['--wrap', '--output', '-o', '--error', '-e', '--parsable', '--chdir', '-D', '--open-mode']);

export function checkSbatchArg(arg: string, i: number): string {
  if (CONTROL.test(arg)) throw new SlurmScriptError(`launch.sbatch_args[${i}]: control characters are not allowed`);
  if (!arg.startsWith('-')) throw new SlurmScriptError(`launch.sbatch_args[${i}]: '${arg}' — each item is one sbatch option, like --qos=high`);
  const name = arg.split('=')[0];
  if (RESERVED.has(name)) throw new SlurmScriptError(`launch.sbatch_args[${i}]: ${name} is set by See2Think (output goes to the stage's log.txt)`);
  if (!/^--?[A-Za-z][A-Za-z0-9-]*(=[A-Za-z0-9_.:,/@%+=\-[\]]*)?$/.test(arg)) {
    throw new SlurmScriptError(`launch.sbatch_args[${i}]: '${arg}' is not allowed in an #SBATCH line (write --option=value without blanks or quotes)`);
  }
  return arg;
}

export interface BatchScriptInput {
  jobName: string;
  launch: ResolvedLaunch;
  env: Record<string, string>;
  argv: string[];
  comment?: string;
}

/** The script: resources as #SBATCH lines, then the environment and the command, all single-quoted. */
export function batchScript(o: BatchScriptInput): string {
  const l = o.launch;
  const sb: string[] = [`--job-name=${plain(o.jobName, 'job name')}`];
  if (l.partition) sb.push(`--partition=${plain(l.partition, 'partition')}`);
  if (l.nodes) sb.push(`--nodes=${l.nodes}`);
  if (l.gpus) sb.push(`--gpus-per-node=${l.gpus}`);
  if (l.cpus) sb.push(`--cpus-per-task=${l.cpus}`);
  if (l.mem) sb.push(`--mem=${plain(l.mem, 'mem')}`);
  if (l.time) sb.push(`--time=${slurmTime(l.time)}`);
  (l.sbatch_args ?? []).forEach((a, i) => sb.push(checkSbatchArg(a, i)));
  for (const [k, v] of Object.entries(o.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SlurmScriptError(`environment variable name '${k}' is not valid`);
    if (v.includes('\0')) throw new SlurmScriptError(`environment variable ${k}: NUL bytes are not allowed`);
  }
  if (!o.argv.length) throw new SlurmScriptError('nothing to run (empty argument vector)');
  if (o.argv.some((a) => a.includes('\0'))) throw new SlurmScriptError('an argument contains a NUL byte');
  const comment = (o.comment ?? '').split('\n').map((line) => `# ${line.replace(new RegExp(CONTROL.source, 'g'), ' ')}`);
  return [
    '#!/bin/bash',
    ...comment,
    ...sb.map((s) => `#SBATCH ${s}`),
    '',
    ...Object.entries(o.env).map(([k, v]) => `export ${k}=${bashQuote(v)}`),
    `exec ${o.argv.map(bashQuote).join(' ')}`,
    '',
  ].join('\n');
}

/**
 * sbatch expands %j, %x, %u … in --output/--error file names (a lone % too): a literal path has its % doubled.
 * The job's stdout file name adds its own %j after escaping its folder.
 */
export const escapePattern = (path: string): string => path.replace(/%/g, '%%');

/**
 * The sbatch command (an argument vector, no shell): file paths go here rather than in #SBATCH lines, so any
 * path works. The output folder must exist before sbatch (else the job fails at launch). `outFile` is a
 * pattern (see escapePattern); `logFile` is a literal path.
 */
export function sbatchArgv(o: { script: string; outFile: string; logFile: string; cwd: string; dependency?: string }): string[] {
  return [
    'sbatch', '--parsable', `--output=${o.outFile}`, `--error=${escapePattern(o.logFile)}`, '--open-mode=append', `--chdir=${o.cwd}`,
    ...(o.dependency ? [`--dependency=afterok:${o.dependency}`, '--kill-on-invalid-dep=yes'] : []),
    o.script,
  ];
}
