// The sample-traces host for one run: every trace so far when the page (re)loads, then new ones as the trainer
// writes them, each with a webview URI for its image. Images are served from the run folder only (read-only),
// and an image path that leaves its stage folder is dropped.
import * as vscode from 'vscode';
import { resolve, sep } from 'node:path';
import type { TraceItem } from '../../protocol/messages';
import { stagePath } from '../../core/rundir/runDirReader';
import type { RunsCore } from '../runs/runsServices';
import type { TraceRow } from '../runs/runReader';
import { BasePanel } from './basePanel';

export const TRACES_VIEW = 'see2think.traces';
const CHUNK = 2000;

export class TracesPanel extends BasePanel {
  constructor(panel: vscode.WebviewPanel, private readonly core: RunsCore, readonly runDir: string, state?: unknown) {
    super('traces', panel, core.o.extensionUri, core.o.log, state);
    const snap = core.store.get(runDir) ?? core.store.addRun(runDir);
    panel.title = `Traces: ${snap.recipeName}/${snap.runId}`;
    panel.iconPath = vscode.Uri.joinPath(core.o.extensionUri, 'media', 'icons', 'see2think.svg');
    this.configure();
    this.disposables.push(
      core.store.onTraces((d) => {
        if (d.run === runDir) this.sendItems(d.rows, d.reset);
      }),
      core.store.onDidChangeRun((s) => {
        if (s.dir === runDir && this.isReady) void this.post('traces/runs', { runs: [core.store.reader(runDir)!.info()] });
      }),
    );
    this.render();
  }

  static create(core: RunsCore, runDir: string): TracesPanel {
    const panel = vscode.window.createWebviewPanel(TRACES_VIEW, 'See2Think Traces', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: false,
    });
    return new TracesPanel(panel, core, runDir);
  }

  protected override extraRoots(): vscode.Uri[] {
    return this.runDir ? [vscode.Uri.file(this.runDir)] : [];
  }

  protected onReady(): void {
    const reader = this.core.store.reader(this.runDir);
    if (!reader) return;
    this.core.store.flush(); // pending deltas first: the snapshot below already holds their rows
    void this.post('traces/runs', { runs: [reader.info()] });
    this.sendItems(this.core.store.traces(this.runDir), true);
  }

  private sendItems(rows: TraceRow[], reset: boolean): void {
    if (!this.isReady) return;
    for (let i = 0; i < Math.max(1, rows.length); i += CHUNK) {
      const items = rows.slice(i, i + CHUNK).map((r) => this.toItem(r));
      const first = i === 0 && reset;
      void this.post('traces/items', { items, reset: first || undefined });
      this.countItems(this.runDir, items.length, first);
    }
  }

  /** A trace as the page gets it: with a webview URI for its image (public for tests). */
  toItem(r: TraceRow): TraceItem {
    if (!r.image) return r;
    const stageDir = stagePath(this.runDir, r.stage);
    const abs = resolve(stageDir, r.image);
    if (!abs.startsWith(stageDir + sep)) {
      this.log.warn(`traces: ignored image path outside its stage folder: ${r.image.slice(0, 200)}`);
      return { ...r, image: undefined };
    }
    return { ...r, imageUri: this.panel.webview.asWebviewUri(vscode.Uri.file(abs)).toString() };
  }

  override dispose(): void {
    this.core.store.releaseTraces(this.runDir);
    super.dispose();
  }
}
