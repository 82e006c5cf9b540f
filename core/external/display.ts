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

export function formatCompiledStage(c: CompiledStage): string {
  const lines = [`# stage '${c.stageId}' (${c.trainer}), starts from: ${c.initCheckpoint ?? '(nothing: no model.path)'}`];
  if (c.version) lines.push(`# compiled for ${c.trainer} ${c.version.id}: ${c.version.range}`, `#   (${c.version.how === 'assumed' ? 'not detected' : `from ${c.version.detail}`})`);
  for (const f of c.files) lines.push(`# puts in place ${f.path}: ${f.what}${f.linkTo ? ` (→ ${f.linkTo})` : ''}`);
  lines.push(`cd ${shellQuote(c.cwd)}`);
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  lines.push((env.length ? env.join(' ') + ' \\\n' : '') + formatArgv(c.argv));
  for (const s of c.after) lines.push(`# then: ${s.what}`, formatArgv(s.argv));
  for (const n of c.notes) lines.push(`# note: ${n}`);
  return lines.join('\n');
}
