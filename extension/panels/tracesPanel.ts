// The sample-traces panel for one run: the page asks for what it shows (a query, pages of its result, a
// prompt's timeline) and the run's trace index on the host answers (extension/runs/traceSession.ts), so the
// page and the host never hold a whole traces.jsonl. Images are served from the run folder only (read-only),
// and an image path that leaves its stage folder is dropped.
import * as vscode from 'vscode';
import { resolve, sep } from 'node:path';
import type { WebviewMessage } from '../../protocol/messages';
import { stagePath } from '../../core/rundir/runDirReader';
import type { RunsCore } from '../runs/runsServices';
import { TraceSession } from '../runs/traceSession';
import { BasePanel } from './basePanel';

export const TRACES_VIEW = 'see2think.traces';

/** What Open Sample Traces may ask the page to show at once (a command argument, also used by tests). */
export interface TracesFocus {
  search?: string;
  /** Opens this prompt's timeline. */
  promptId?: string;
}

export class TracesPanel extends BasePanel {
  readonly session: TraceSession;

  constructor(panel: vscode.WebviewPanel, private readonly core: RunsCore, readonly runDir: string, state?: unknown) {
    super('traces', panel, core.o.extensionUri, core.o.log, state);
    const snap = core.store.get(runDir) ?? core.store.addRun(runDir);
    panel.title = `Traces: ${snap.recipeName}/${snap.runId}`;
    panel.iconPath = vscode.Uri.joinPath(core.o.extensionUri, 'media', 'icons', 'see2think.svg');
    this.configure();
    this.session = new TraceSession(core.store.traces(runDir)!, {
      post: (method, params) => void this.post(method, params as never),
      imageUri: (stage, image) => this.imageUri(stage, image),
      info: () => core.store.reader(runDir)!.info(),
      warn: (m) => this.log.warn(m),
    });
    this.disposables.push(
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
    // A reloaded page starts its queries afresh; the run's index stays.
    this.session.reset();
    void this.post('traces/runs', { runs: [reader.info()] });
  }

  protected override onMessage(m: WebviewMessage): void {
    this.session.handle(m);
  }

  /** Asks the page to search for something or open a prompt's timeline (it sends the matching query). */
  async focus(f: TracesFocus): Promise<void> {
    await this.initialized;
    void this.post('traces/focus', f);
  }

  /** A webview URI for an image of a stage's trace (public for tests); undefined when the path leaves its stage folder. */
  imageUri(stage: string, image: string): string | undefined {
    const stageDir = stagePath(this.runDir, stage);
    const abs = resolve(stageDir, image);
    if (!abs.startsWith(stageDir + sep)) {
      this.log.warn(`traces: ignored image path outside its stage folder: ${image.slice(0, 200)}`);
      return undefined;
    }
    return this.panel.webview.asWebviewUri(vscode.Uri.file(abs)).toString();
  }

  override dispose(): void {
    this.session.dispose();
    this.core.store.releaseTraces(this.runDir);
    super.dispose();
  }
}
