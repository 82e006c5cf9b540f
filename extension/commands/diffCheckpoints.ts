// "See2Think: Diff Checkpoints": two checkpoints (or eval files) — from the palette, from two nodes
// selected in the Runs view (across runs: staged vs merged), or as arguments — are evaluated on the same
// held-out set where no finished result exists, then shown side by side in the trace diff panel.
import * as vscode from 'vscode';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { EvalHeader } from '../../protocol/runRecords';
import type { Runs } from '../runs/index';
import { DiffPanel } from '../panels/diffPanel';
import { checkpointArg, EvalCancelledByUser, runEval, type EvalRequest } from './evaluateCheckpoint';
import { pickCheckpoint } from './pickers';

const isEvalFile = (p: string) => p.endsWith('.jsonl') && existsSync(p) && statSync(p).isFile();

/** The set an eval file was made on (its header), as `see2think eval --set` takes it. */
export function evalSetOf(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const line = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').split('\n')[0];
    const h = parseJsonLoose(line) as EvalHeader;
    if (h?.type !== 'header' || typeof h.set !== 'string') return undefined;
    return h.set.startsWith('file:') ? h.set.slice('file:'.length) : h.set;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The two things to compare from (clicked node, selected nodes) or (a, b) arguments. */
function argsOf(a: unknown, b: unknown): [string | undefined, string | undefined] {
  if (Array.isArray(b)) {
    const picked = b.map(checkpointArg).filter((x): x is string => !!x);
    if (picked.length >= 2) return [picked[0], picked[1]];
    return [checkpointArg(a) ?? picked[0], undefined];
  }
  return [checkpointArg(a), checkpointArg(b)];
}

export function registerCompareCommand(context: vscode.ExtensionContext, runs: Runs, opened: (p: DiffPanel) => void): void {
  context.subscriptions.push(vscode.commands.registerCommand('see2think.diffCheckpoints', async (a?: unknown, b?: unknown, req: EvalRequest = {}): Promise<DiffPanel | undefined> => {
    let [pa, pb] = argsOf(a, b);
    if (!pa || !pb) {
      const core = await runs.core();
      // Finals first, and B defaults to the other run's final: staged's last stage vs merged's.
      pa ??= await pickCheckpoint(core.store.runs(), 'Checkpoint A (the one to compare against; each run\'s final first)');
      if (!pa) return undefined;
      pb ??= await pickCheckpoint(core.store.runs(), `Checkpoint B (compared with ${pa.split(/[\\/]/).slice(-3).join('/')}; the other run's final first)`, pa);
      if (!pb) return undefined;
    }
    const [A, B] = [pa, pb];
    if ((!isEvalFile(A) || !isEvalFile(B)) && !vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('See2Think: evaluating a checkpoint runs the trainer, which needs a trusted workspace. Eval files can be compared.');
      return undefined;
    }
    try {
      const files = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Comparing checkpoints', cancellable: true },
        async (progress, token) => {
          const evaluate = async (which: 'A' | 'B', checkpoint: string, set?: string) => {
            let last = 0;
            const outcome = await runEval(runs.extensionUri, runs.log, checkpoint, { ...req, set }, (done, total) => {
              const pct = (50 * done) / total;
              progress.report({ increment: pct - last, message: `evaluating ${which}: ${done}/${total} prompts` });
              last = pct;
            }, token);
            progress.report({ increment: 50 - last });
            return outcome;
          };
          // B is evaluated on A's set, so the two answer the same prompts.
          let fileA: string;
          let set = req.set;
          if (isEvalFile(A)) {
            fileA = A;
            set ??= evalSetOf(A);
          } else {
            const oa = await evaluate('A', A, set);
            fileA = oa.file;
            set ??= oa.set.startsWith('file:') ? oa.set.slice('file:'.length) : oa.set;
          }
          const fileB = isEvalFile(B) ? B : (await evaluate('B', B, set)).file;
          return { a: fileA, b: fileB };
        });
      const panel = await DiffPanel.open(runs.extensionUri, runs.log, files);
      opened(panel);
      return panel;
    } catch (err) {
      if (err instanceof EvalCancelledByUser) return undefined;
      void vscode.window.showErrorMessage(`See2Think: ${(err as Error).message}`, 'Show Log').then((x) => x && runs.log.show());
      return undefined;
    }
  }));
}
