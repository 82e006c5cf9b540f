// The trace diff panel's host: compares two eval files (core/diff), sends the page the summary and every
// compact row, answers its requests for the details of rows in view (word diff computed on demand, cached),
// and opens VS Code's diff editor on one prompt's two traces. Restored after a window reload onto a pair of eval
// files the host itself opened (diffPairs.ts).
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve, sep } from 'node:path';
import type { WebviewMessage } from '../../protocol/messages';
import type { DiffRowDetail } from '../../protocol/diff';
import { parseEvalText } from '../../core/diff/evalFile';
import { compareEvals, type Comparison } from '../../core/diff/comparison';
import { BasePanel } from './basePanel';
import { traceUri } from './diffTraceDocuments';
import type { DiffFiles } from './diffPairs';

export const DIFF_VIEW = 'see2think.diff';

export type { DiffFiles } from './diffPairs';

/** A run folder holds evals/<key>.jsonl: images an eval file names may live anywhere in that run. */
const imageRoot = (evalFile: string) => (basename(dirname(evalFile)) === 'evals' ? dirname(dirname(evalFile)) : dirname(evalFile));

export async function loadComparison(files: DiffFiles, resolveImage?: (image: string, evalFile: string) => string | undefined): Promise<Comparison> {
  const [ta, tb] = await Promise.all([readFile(files.a, 'utf8'), readFile(files.b, 'utf8')]);
  const a = parseEvalText(ta, files.a);
  const b = parseEvalText(tb, files.b);
  for (const f of [a, b]) if (!f.records.length) throw new Error(`${f.file}: no answers in this eval file`);
  return compareEvals(a, b, { resolveImage });
}

export class DiffPanel extends BasePanel {
  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: vscode.LogOutputChannel,
    readonly files: DiffFiles, private comparison: Comparison, state?: unknown) {
    super('diff', panel, extensionUri, log, state);
    const s = comparison.summary;
    panel.title = `Diff: ${s.a.label.split('/').slice(-2).join('/')} ↔ ${s.b.label.split('/').slice(-2).join('/')}`;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'see2think.svg');
    this.configure();
    this.render();
  }

  /** Opens a new panel on two eval files (throws with a clear message if one cannot be read). */
  static async open(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, files: DiffFiles): Promise<DiffPanel> {
    const panel = vscode.window.createWebviewPanel(DIFF_VIEW, 'See2Think Trace Diff', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: false,
    });
    return DiffPanel.adopt(panel, extensionUri, log, files);
  }

  static async adopt(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: vscode.LogOutputChannel, files: DiffFiles, state?: unknown): Promise<DiffPanel> {
    let comparison: Comparison;
    try {
      // Images are resolved per request (they need the panel's webview); the comparison carries raw refs.
      comparison = await loadComparison(files, (image) => image);
    } catch (err) {
      panel.dispose();
      throw err;
    }
    return new DiffPanel(panel, extensionUri, log, files, comparison, state);
  }

  get summary() {
    return this.comparison.summary;
  }

  protected override extraRoots(): vscode.Uri[] {
    return this.files ? [...new Set([imageRoot(this.files.a), imageRoot(this.files.b)])].map((d) => vscode.Uri.file(d)) : [];
  }

  protected onReady(): void {
    void this.post('diff/data', { summary: this.comparison.summary, rows: this.comparison.rows });
  }

  protected override onMessage(m: WebviewMessage): void {
    if (m.method === 'diff/details') {
      const details = m.params.ids.map((id) => this.comparison.detail(id)).filter((d): d is DiffRowDetail => !!d).map((d) => this.withImage(d));
      void this.post('diff/details', { details });
    } else if (m.method === 'diff/open-editor') {
      void this.openInDiffEditor(m.params.id);
    }
  }

  /** A data: PNG passes; a file path must stay inside its eval file's run folder and becomes a webview URI. */
  private withImage(d: DiffRowDetail): DiffRowDetail {
    const ref = d.imageUri;
    if (!ref) return d;
    if (ref.startsWith('data:image/png;base64,')) return d;
    const pair = this.comparison.pair(d.id)!;
    const evalFile = pair.a.image ? this.files.a : this.files.b;
    const root = imageRoot(evalFile);
    const abs = resolve(dirname(evalFile), ref);
    if (ref.startsWith('data:') || !abs.startsWith(root + sep)) {
      this.log.warn(`diff panel: ignored image of ${d.id} outside its run folder: ${ref.slice(0, 120)}`);
      return { ...d, imageUri: undefined };
    }
    return { ...d, imageUri: this.panel.webview.asWebviewUri(vscode.Uri.file(abs)).toString() };
  }

  /** VS Code's diff editor on A's and B's trace of one prompt (read-only virtual documents). */
  async openInDiffEditor(id: string): Promise<boolean> {
    if (!this.comparison.pair(id)) {
      this.log.warn(`diff panel: no paired prompt ${id.slice(0, 200)}`);
      return false;
    }
    const s = this.comparison.summary;
    const title = `${id}: A (${s.a.label.split('/').pop()}) ↔ B (${s.b.label.split('/').pop()})`;
    await vscode.commands.executeCommand('vscode.diff', traceUri(this.files.a, id, 'A'), traceUri(this.files.b, id, 'B'), title, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return true;
  }
}
