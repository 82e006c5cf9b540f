// `see2think diff <evalA> <evalB>`: compares two checkpoints' eval files and prints the summary the trace
// diff panel shows (accuracy, flips, mean length and its relative change); --list prints prompts of a class.
import { parseArgs } from 'node:util';
import { applyDiffView, FLIP_CLASSES, FLIP_LABELS, type FlipClass } from '../protocol/diff';
import { loadEvalFile, EvalFileError } from '../core/diff/loadEval';
import { compareEvals } from '../core/diff/comparison';
import { formatSummary } from '../core/diff/formatDiff';
import { UsageError } from './cliValidate';

export const DIFF_USAGE = `usage: see2think diff <evalA.jsonl> <evalB.jsonl> [--json] [--list <class>] [--limit N]

  --json          print the summary as JSON
  --list <class>  also list the prompts of a flip class (${FLIP_CLASSES.join(', ')}, all),
                  sorted by length change (most shortened first)
  --limit N       at most N listed prompts (default 20)`;

export function diffCommand(args: string[], out: (line: string) => void): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, list: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${DIFF_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(DIFF_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`diff needs exactly two eval files\n${DIFF_USAGE}`);
  const list = values.list;
  if (list !== undefined && list !== 'all' && !FLIP_CLASSES.includes(list as FlipClass)) {
    throw new UsageError(`--list: unknown class '${list}' (one of ${FLIP_CLASSES.join(', ')}, all)`);
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit: expected a whole number, got '${values.limit}'`);

  let comparison;
  try {
    comparison = compareEvals(loadEvalFile(positionals[0]), loadEvalFile(positionals[1]));
  } catch (err) {
    if (err instanceof EvalFileError) {
      process.stderr.write(`see2think diff: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { summary } = comparison;
  if (values.json) out(JSON.stringify(summary, null, 2));
  else for (const line of formatSummary(summary)) out(line);

  if (list !== undefined) {
    const rows = applyDiffView(comparison.rows, { flips: list === 'all' ? [] : [list as FlipClass], sort: 'length-delta', descending: false });
    out('');
    out(`${list === 'all' ? 'all prompts' : FLIP_LABELS[list as FlipClass]}: ${rows.length}${rows.length > limit ? ` (first ${limit})` : ''}`);
    for (const r of rows.slice(0, limit)) {
      const delta = `${r.lengthDelta > 0 ? '+' : ''}${r.lengthDelta}`;
      out(`  ${r.id}  len ${r.lengthA} → ${r.lengthB} (${delta})  answer ${r.answerA ?? '∅'} → ${r.answerB ?? '∅'} (truth ${r.groundTruth})`);
    }
  }
  return summary.paired ? 0 : 1;
}
