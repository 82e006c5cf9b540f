// The trace diff feature, registered by one line in extension.ts: Evaluate Checkpoint, Diff Checkpoints,
// the `see2think-trace:` documents behind Open in Diff Editor, and the panel's restore after a reload.
import * as vscode from 'vscode';
import type { Runs } from '../runs/index';
import { registerEvaluateCommand } from '../commands/evaluateCheckpoint';
import { registerCompareCommand } from '../commands/diffCheckpoints';
import { DiffPanel, DIFF_VIEW } from './diffPanel';
import { forgetPair, knownPairs, pairFromState, rememberPair } from './diffPairs';
import { TraceDocuments, TRACE_SCHEME } from './diffTraceDocuments';

const PAIRS_KEY = 'see2think.diffPairs';

export function registerTraceDiff(context: vscode.ExtensionContext, runs: Runs): void {
  const open = new Set<DiffPanel>();
  const memento = context.workspaceState;
  let closing = false;
  const track = (p: DiffPanel) => {
    open.add(p);
    void memento.update(PAIRS_KEY, rememberPair(knownPairs(memento.get(PAIRS_KEY)), p.files));
    p.onDidDispose(() => {
      open.delete(p);
      // Closed by the user: forgotten. Closed with the window: remembered, to be restored.
      if (!closing) void memento.update(PAIRS_KEY, forgetPair(knownPairs(memento.get(PAIRS_KEY)), p.files));
    });
  };
  registerEvaluateCommand(context, runs);
  registerCompareCommand(context, runs, track);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, new TraceDocuments()),
    vscode.window.registerWebviewPanelSerializer(DIFF_VIEW, {
      async deserializeWebviewPanel(panel, state) {
        const files = pairFromState(state, knownPairs(memento.get(PAIRS_KEY)));
        if (!files) {
          runs.log.warn('diff panel: not restored (its page names a pair of eval files this window did not open, or one is gone)');
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
    { dispose: () => { closing = true; for (const p of open) p.dispose(); } },
  );
}
