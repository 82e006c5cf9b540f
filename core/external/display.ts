// "Show Command": a compiled stage as text a person can read and paste into a shell. Quoting here is for
// display only — the stage itself is always run from the argument vector, never from this text.
import type { CompiledStage } from './compiled';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX-shell single quoting of one argument (for display). */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatArgv(argv: string[], indent = '    '): string {
  if (argv.length <= 3) return argv.map(shellQuote).join(' ');
  const head = argv.slice(0, 3).map(shellQuote).join(' ');
  return [head, ...argv.slice(3).map((a) => indent + shellQuote(a))].join(' \\\n');
}

/** A comment line: recipe text in it cannot start a new (command) line. */
const comment = (text: string) => `# ${text.replace(/[\u0000-\u001f\u007f]+/g, ' ')}`;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatCompiledStage(c: CompiledStage): string {
  const lines = [comment(`stage '${c.stageId}' (${c.trainer}), starts from: ${c.initCheckpoint ?? '(nothing: no model.path)'}`)];
  if (c.version) lines.push(comment(`compiled for ${c.trainer} ${c.version.id}: ${c.version.range}`), comment(`  (${c.version.how === 'assumed' ? 'not detected' : `from ${c.version.detail}`})`));
  for (const f of c.files ?? []) lines.push(comment(`puts in place ${f.path}: ${f.what}${f.linkTo ? ` (→ ${f.linkTo})` : ''}`));
  lines.push(`cd ${shellQuote(c.cwd)}`);
  const names = Object.keys(c.env);
  const env = Object.entries(c.env).filter(([k]) => ENV_NAME.test(k)).map(([k, v]) => `${k}=${shellQuote(v)}`);
  lines.push((env.length ? env.join(' ') + ' \\\n' : '') + formatArgv(c.argv));
  for (const s of c.after) lines.push(comment(`then: ${s.what}`), formatArgv(s.argv));
  for (const n of c.notes) lines.push(comment(`note: ${n}`));
  for (const k of names.filter((n) => !ENV_NAME.test(n))) lines.push(comment(`note: environment variable ${JSON.stringify(k)} left out: not a valid name`));
  return lines.join('\n');
}
