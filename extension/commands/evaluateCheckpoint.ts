// "See2Think: Evaluate Checkpoint": answers a held-out set with a checkpoint by running `see2think eval
// --stream` as a child process (the extension host never loads TensorFlow.js), with a cancellable progress
// notification; a finished result with the same key is reused. Returns where the answers are.
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import type { EvalOutcome, EvalStreamRecord } from '../../protocol/diff';
import type { Runs } from '../runs/index';
import { pickCheckpoint } from './pickers';
import { runCliStream } from './cliChild';

export interface EvalRequest {
  /** Set name as `see2think eval --set` takes it; default: the checkpoint's stage's own validation set. */
  set?: string;
  greedy?: boolean;
  seed?: number;
  force?: boolean;
}

export class EvalCancelledByUser extends Error {}

/** A checkpoint/stage/run folder from a command argument: a path, a Uri, or a Runs view node. */
export function checkpointArg(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const n = arg as { dir?: unknown; runDir?: unknown; stageId?: unknown } | undefined;
  if (typeof n?.dir === 'string') return n.dir;
  if (typeof n?.runDir === 'string') return typeof n.stageId === 'string' ? join(n.runDir, 'stages', n.stageId) : n.runDir;
  return undefined;
}

/**
 * Runs `see2think eval <checkpoint> --stream` and resolves with its outcome. `report` gets progress in
 * percent steps; the token cancels (SIGTERM: the CLI stops between chunks and writes nothing).
 */
export async function runEval(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, checkpoint: string, req: EvalRequest,
  report?: (done: number, total: number) => void, token?: vscode.CancellationToken): Promise<EvalOutcome> {
  const args = ['eval', checkpoint, '--stream'];
  if (req.set) args.push('--set', req.set);
  if (req.greedy) args.push('--greedy');
  if (req.seed !== undefined) args.push('--seed', String(req.seed));
  if (req.force) args.push('--force');
  let outcome: EvalOutcome | undefined;
  const exit = await runCliStream<EvalStreamRecord>(extensionUri, log, args, (r) => {
    if (r.type === 'progress') report?.(r.done, r.total);
    else if (r.type === 'log') log[r.level](`eval: ${r.message}`);
    else if (r.type === 'eval-done') {
      const { type: _t, ...rest } = r;
      outcome = rest;
    }
  }, token);
  if (outcome && exit.code === 0) return outcome;
  if (exit.code === 143 || token?.isCancellationRequested) throw new EvalCancelledByUser('evaluation cancelled');
  throw new Error(`evaluation of ${basename(checkpoint)} failed (exit ${exit.code ?? exit.signal}): ${exit.stderr.slice(-3).join(' | ') || 'no output'}`);
}

export function registerEvaluateCommand(context: vscode.ExtensionContext, runs: Runs): void {
  context.subscriptions.push(vscode.commands.registerCommand('see2think.evaluateCheckpoint', async (arg?: unknown, req: EvalRequest = {}): Promise<EvalOutcome | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('See2Think: evaluating a checkpoint runs the trainer, which needs a trusted workspace.');
      return undefined;
    }
    const core = await runs.core();
    const checkpoint = checkpointArg(arg) ?? await pickCheckpoint(core.store.runs(), 'Checkpoint to evaluate on its held-out set');
    if (!checkpoint) return undefined;
    try {
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Evaluating ${basename(checkpoint)}`, cancellable: true },
        (progress, token) => {
          let last = 0;
          return runEval(runs.extensionUri, runs.log, checkpoint, req, (done, total) => {
            const pct = (100 * done) / total;
            progress.report({ increment: pct - last, message: `${done}/${total} prompts` });
            last = pct;
          }, token);
        });
      void vscode.window.showInformationMessage(`See2Think: ${outcome.checkpoint} on ${outcome.set}: accuracy ${(outcome.accuracy * 100).toFixed(1)} %, ` +
        `mean length ${outcome.meanLength.toFixed(1)} tokens${outcome.reused ? ' (reused)' : ''}`);
      return outcome;
    } catch (err) {
      if (err instanceof EvalCancelledByUser) return undefined;
      void vscode.window.showErrorMessage(`See2Think: ${(err as Error).message}`, 'Show Log').then((a) => a && runs.log.show());
      return undefined;
    }
  }));
}
