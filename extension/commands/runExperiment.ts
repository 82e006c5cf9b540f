// "See2Think: Run Experiment…": picks recipe A and recipe B and the number of seeds, runs `see2think experiment
// --stream` as a child process behind a cancellable progress notification (its runs appear in the Runs view as
// they start), then opens report.md. Cancel stops it cleanly; the same command later continues it.
import * as vscode from 'vscode';
import type { ExperimentStreamRecord } from '../../protocol/experiment';
import type { Runs } from '../runs/index';
import { findRecipes } from '../recipes/findRecipes';
import { runCliStream } from './cliChild';

async function pickTwoRecipes(): Promise<[vscode.Uri, vscode.Uri] | undefined> {
  const recipes = await findRecipes();
  if (recipes.length < 2) {
    void vscode.window.showWarningMessage('See2Think: an experiment compares two recipes; this workspace has fewer than two *.recipe.yaml files.');
    return undefined;
  }
  const items = recipes.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  const a = await vscode.window.showQuickPick(items, { placeHolder: 'Recipe A (e.g. the staged curriculum)' });
  if (!a) return undefined;
  const b = await vscode.window.showQuickPick(items.filter((i) => i.uri.toString() !== a.uri.toString()), { placeHolder: 'Recipe B (e.g. the merged baseline)' });
  return b ? [a.uri, b.uri] : undefined;
}

export interface ExperimentRequest {
  a: vscode.Uri;
  b: vscode.Uri;
  seeds: number;
  /** Extra CLI options (tests pass tiny --eval-size, --no-controls). */
  options?: string[];
}

export function registerRunExperiment(context: vscode.ExtensionContext, runs: Runs): void {
  context.subscriptions.push(vscode.commands.registerCommand('see2think.runExperiment', async (req?: ExperimentRequest): Promise<string | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('See2Think: an experiment runs the trainer, which needs a trusted workspace.');
      return undefined;
    }
    const pair = req ? [req.a, req.b] : await pickTwoRecipes();
    if (!pair) return undefined;
    const seedsText = req ? String(req.seeds) : await vscode.window.showInputBox({
      prompt: 'Seeds per arm', value: '5', validateInput: (v) => (/^[1-9]\d?$/.test(v.trim()) ? undefined : 'a whole number from 1 to 99'),
    });
    if (!seedsText) return undefined;
    const args = ['experiment', pair[0].fsPath, pair[1].fsPath, '--seeds', seedsText.trim(), '--stream', ...(req?.options ?? [])];
    let markdown: string | undefined;
    let failure: string | undefined;
    const exit = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'See2Think experiment', cancellable: true },
      (progress, token) => {
        let last = 0;
        return runCliStream<ExperimentStreamRecord>(runs.extensionUri, runs.log, args, (r) => {
          if (r.type === 'progress') {
            const pct = (100 * r.done) / Math.max(1, r.total);
            progress.report({ increment: pct - last, message: `${r.done}/${r.total} · ${r.message}` });
            last = pct;
          } else if (r.type === 'log') {
            runs.log[r.level](`experiment: ${r.message}`);
            if (r.level === 'error') failure = r.message;
          } else if (r.type === 'experiment-done') markdown = r.markdown;
        }, token);
      });
    if (exit.code === 0 || (markdown && (exit.code === 130 || exit.code === 75))) {
      if (exit.code !== 0) void vscode.window.showInformationMessage('See2Think: experiment stopped; run the command again with the same recipes and seeds to continue it.');
      if (markdown) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(markdown));
      return markdown;
    }
    const why = failure ?? exit.stderr.slice(-3).join(' | ') ?? 'no output';
    void vscode.window.showErrorMessage(`See2Think: the experiment failed (exit ${exit.code ?? exit.signal}): ${why}`, 'Show Log').then((x) => x && runs.log.show());
    return undefined;
  }));
}
