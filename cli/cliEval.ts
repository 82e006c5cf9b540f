// `see2think eval <checkpoint>`: answers a held-out set with a checkpoint (the paper's validation sampling,
// or --greedy) and writes evals/<key>.jsonl in its run; a finished result with the same key is reused.
// --stream prints progress and the outcome as JSON lines (how the extension runs it as a child process).
import { parseArgs } from 'node:util';
import type { EvalStreamRecord } from '../protocol/diff';
import { encodeJsonLine } from '../protocol/jsonLines';
import { describeOutcome, evaluateCheckpoint, EvalCancelled } from '../trainer/eval/evaluate';
import { CheckpointNotFound } from '../trainer/eval/locate';
import { EvalSpecError, GENERATORS } from '../trainer/eval/spec';
import { UsageError } from './cliValidate';

export const EVAL_USAGE = `usage: see2think eval <checkpoint> [--set <name>] [--out <file>] [--greedy] [--seed N] [--force] [--stream]

  <checkpoint>   a checkpoint folder (stages/<id>/checkpoints/step-N), a stage folder (its latest
                 checkpoint) or a run folder (the latest checkpoint of its last stage)
  --set <name>   ${GENERATORS.join(' | ')}[:<size>] (that generator's held-out validation set;
                 default: the checkpoint's stage's own, at its val_size), or a JSONL file of
                 {"id", "prompt", "answer", "image"?} lines
  --out <file>   write here instead of <run>/evals/<key>.jsonl
  --greedy       greedy decoding instead of the paper's validation sampling (temperature 0.6, top-p 0.95)
  --seed N       sampling seed (default 1): the same seed gives the same answers
  --force        evaluate again even if a finished result with the same key exists
  --stream       print progress and the outcome as JSON lines on stdout`;

export async function evalCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: {
        set: { type: 'string' }, out: { type: 'string' }, greedy: { type: 'boolean' }, seed: { type: 'string' },
        force: { type: 'boolean' }, stream: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${EVAL_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(EVAL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`eval needs one checkpoint\n${EVAL_USAGE}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) throw new UsageError(`--seed: expected a whole number ≥ 0, got '${values.seed}'`);

  const stream = (r: EvalStreamRecord) => values.stream && out(encodeJsonLine(r));
  const say = (message: string) => (values.stream ? stream({ type: 'log', level: 'info', message }) : process.stderr.write(`${message}\n`));
  let cancelled = false;
  const onSignal = () => {
    cancelled = true;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let lastShown = 0;
  try {
    const outcome = await evaluateCheckpoint({
      checkpoint: positionals[0], set: values.set, out: values.out, greedy: values.greedy, seed, force: values.force,
      cancelled: () => cancelled,
      log: say,
      onProgress: (done, total) => {
        stream({ type: 'progress', phase: 'eval', done, total });
        const now = Date.now();
        if (!values.stream && (now - lastShown > 1000 || done === total)) {
          lastShown = now;
          process.stderr.write(`eval: ${done}/${total} prompts\n`);
        }
      },
    });
    if (values.stream) stream({ type: 'eval-done', ...outcome });
    else {
      out(`${outcome.reused ? 'reused' : 'wrote'} ${outcome.file}`);
      out(`${outcome.checkpoint} on ${outcome.set}: ${describeOutcome(outcome)}, ${outcome.prompts} prompts`);
    }
    return 0;
  } catch (err) {
    if (err instanceof EvalCancelled) {
      say('evaluation cancelled; nothing written');
      return 143;
    }
    if (err instanceof CheckpointNotFound || err instanceof EvalSpecError) {
      process.stderr.write(`see2think eval: ${err.message}\n`);
      if (values.stream) stream({ type: 'log', level: 'error', message: err.message });
      return 1;
    }
    if (values.stream) stream({ type: 'log', level: 'error', message: (err as Error).message });
    throw err;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
