// The trace diff feature, registered by one line in extension.ts: Evaluate Checkpoint, Diff Checkpoints,
// the `see2think-trace:` documents behind Open in Diff Editor, and the panel's restore after a reload.
import * as vscode from 'vscode';
import type { Runs } from '../runs/index';
import { registerEvaluateCommand } from '../commands/evaluateCheckpoint';
import { registerCompareCommand } from '../commands/diffCheckpoints';
import { DiffPanel, DIFF_VIEW, filesFromState } from './diffPanel';
import { TraceDocuments, TRACE_SCHEME } from './diffTraceDocuments';

export function registerTraceDiff(context: vscode.ExtensionContext, runs: Runs): void {
  const open = new Set<DiffPanel>();
  const track = (p: DiffPanel) => {
    open.add(p);
    p.onDidDispose(() => open.delete(p));
  };
  registerEvaluateCommand(context, runs);
  registerCompareCommand(context, runs, track);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, new TraceDocuments()),
    vscode.window.registerWebviewPanelSerializer(DIFF_VIEW, {
      async deserializeWebviewPanel(panel, state) {
        const files = filesFromState(state);
        if (!files) {
          panel.dispose();
          return;
        }
        try {
          track(await DiffPanel.adopt(panel, runs.extensionUri, runs.log, files, state));
        } catch (err) {
          runs.log.warn(`diff panel: could not restore: ${(err as Error).message}`);
        }
      },
    }),
    { dispose: () => { for (const p of open) p.dispose(); } },
  );
}
