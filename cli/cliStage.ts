// `see2think stage <run-dir> <stage-id> [--resume] [--restart]`: runs one stage of an existing run directory
// in this process (the supervisor, `see2think run` and SLURM batch scripts all start stages this way).
// stdout carries StreamRecord JSON lines only; human-readable logs go to stderr. Exit 0 succeeded,
// 1 failed, 143 cancelled (SIGTERM/SIGINT: the stage checkpoints first).
import { UsageError } from './cliValidate';
import { initBackend } from '../trainer/backend';
import { runStage } from '../trainer/stage/runStage';
import { isExternalRun, runExternalStage } from '../core/external/bridge';
import { TRAINER_GRACE_ENV } from '../core/launch/local';

export async function stageCommand(args: string[]): Promise<number> {
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const positional = args.filter((a) => !a.startsWith('--'));
  for (const f of flags) if (f !== '--resume' && f !== '--restart') throw new UsageError(`unknown option ${f} (stage takes --resume or --restart)`);
  if (positional.length !== 2) throw new UsageError('usage: see2think stage <run-dir> <stage-id> [--resume | --restart]');
  if (flags.has('--resume') && flags.has('--restart')) throw new UsageError('--resume and --restart exclude each other');
  const [runDir, stageId] = positional;

  // stdout is the record stream: anything a library prints goes to the log instead.
  console.log = console.info = console.warn = (...xs: unknown[]) => process.stderr.write(xs.map(String).join(' ') + '\n');
  // A log that cannot be written (a full disk under log.txt) loses lines, never the stage: its records and its
  // end still go out on stdout.
  process.stderr.on('error', () => undefined);
  let cancel = false;
  const onSignal = (sig: string) => {
    if (!cancel) process.stderr.write(`${new Date().toISOString()} [${stageId}] ${sig}: stopping after the current step\n`);
    cancel = true;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  if (isExternalRun(runDir)) {
    // EasyR1 / verl / TRL / command: run the trainer as a child and mirror its files (core/external/bridge.ts).
    // Whoever stops this stage waits longer than the trainer's grace it handed us (core/launch/local.ts).
    const grace = process.env[TRAINER_GRACE_ENV] ? Number(process.env[TRAINER_GRACE_ENV]) : NaN;
    const graceMs = Number.isFinite(grace) && grace >= 0 ? grace : undefined;
    const outcome = await runExternalStage({ runDir, stageId, resume: flags.has('--resume'), restart: flags.has('--restart'), cancelRequested: () => cancel, graceMs });
    return outcome === 'succeeded' ? 0 : outcome === 'cancelled' ? 143 : 1;
  }
  await initBackend();
  // The wasm runtime installs handlers that rethrow (printing its whole minified source); report plainly instead.
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  const fatal = (err: unknown) => {
    process.stderr.write(`see2think stage: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  const outcome = await runStage({ runDir, stageId, resume: flags.has('--resume'), restart: flags.has('--restart'), cancelRequested: () => cancel });
  return outcome === 'succeeded' ? 0 : outcome === 'cancelled' ? 143 : 1;
}
