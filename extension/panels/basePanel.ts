// One webview panel's host side, shared by every panel: the page (strict CSP from panelHtml.ts, only
// the extension's dist/ and media/ — plus, for traces, the run folders — as local resources), the ready handshake
// (a deferred `initialized`, reset whenever the page is torn down while hidden), validation of every incoming
// message, state mirrored for restore, exports saved through a dialog, and a record of what was posted and what
// the page acknowledged (tests and the freshness benchmark read it).
import * as vscode from 'vscode';
import { writeFile } from 'node:fs/promises';
import { newNonce, panelAssets, panelHtml } from './panelHtml';
import { parseWebviewMessage, type HostMessage, type PanelKind, type ParamsOf, type WebviewMessage } from '../../protocol/messages';

export interface PanelStats {
  /** Messages posted, by method. */
  posted: Record<string, number>;
  /** Metric points or trace items posted, by run. */
  postedItems: Record<string, number>;
  /** Valid messages received, by method. */
  received: Record<string, number>;
  /** Messages dropped by validation. */
  rejected: number;
  /** How many times the page said ready (each load of the page). */
  readyCount: number;
  /** The latest `dashboard/drawn` acknowledgement, with when it arrived. */
  drawn?: { at: number; counts: Record<string, number>; receivedAt: number };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  done: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const d: Deferred = { promise: new Promise<void>((r) => (resolve = r)), resolve: () => { d.done = true; resolve(); }, done: false };
  return d;
}

export abstract class BasePanel implements vscode.Disposable {
  readonly stats: PanelStats = { posted: {}, postedItems: {}, received: {}, rejected: 0, readyCount: 0 };
  protected readonly disposables: vscode.Disposable[] = [];
  private ready = deferred();
  private disposed = false;
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  private readonly messageEmitter = new vscode.EventEmitter<WebviewMessage>();
  readonly onDidDispose = this.disposedEmitter.event;
  /** Every validated message from the page. */
  readonly onDidReceiveMessage = this.messageEmitter.event;
  /** The page's last mirrored state (restored into `init`). */
  protected state: unknown;

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    protected readonly extensionUri: vscode.Uri,
    protected readonly log: vscode.LogOutputChannel,
    state?: unknown,
  ) {
    this.state = state;
    this.disposables.push(this.disposedEmitter, this.messageEmitter);
    this.configure();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      // Hidden panels are torn down (retainContextWhenHidden is off): until the page says ready again, nothing is posted.
      panel.onDidChangeViewState(() => {
        if (!panel.visible && this.ready.done) this.ready = deferred();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Resolves when the page has loaded and said ready (again after each re-creation). */
  get initialized(): Promise<void> {
    return this.ready.promise;
  }

  get isReady(): boolean {
    return this.ready.done && !this.disposed;
  }

  /** Extra folders the page may load files from (read-only), besides dist/ and media/. */
  protected extraRoots(): vscode.Uri[] {
    return [];
  }

  /** Called on every `ready`: send the page everything it shows. */
  protected abstract onReady(): void;

  /** Panel-specific messages (after validation). */
  protected onMessage(_m: WebviewMessage): void {
    // none by default
  }

  /** Re-applies options (e.g. after the set of run folders changed) without reloading the page. */
  protected configure(): void {
    this.panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media'), ...this.extraRoots()],
    };
  }

  /** Sets the page (first load, or a reload after options changed). */
  protected render(): void {
    const w = this.panel.webview;
    const uri = (rel: string) => w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...rel.split('/'))).toString();
    const assets = panelAssets(this.kind);
    this.ready = deferred();
    w.html = panelHtml({
      panel: this.kind,
      title: this.panel.title,
      scriptUri: uri(assets.script),
      styleUris: assets.styles.map(uri),
      nonce: newNonce(),
      cspSource: w.cspSource,
    });
  }

  /** Posts a message if the page is ready; false if it was not delivered (the next `ready` sends everything). */
  post<M extends HostMessage['method']>(method: M, params: ParamsOf<HostMessage, M>): Thenable<boolean> {
    if (!this.isReady) return Promise.resolve(false);
    this.stats.posted[method] = (this.stats.posted[method] ?? 0) + 1;
    return this.panel.webview.postMessage({ method, params } as HostMessage);
  }

  protected countItems(run: string, n: number, reset: boolean): void {
    this.stats.postedItems[run] = (reset ? 0 : this.stats.postedItems[run] ?? 0) + n;
  }

  private receive(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.stats.rejected++;
      const preview = (() => { try { return JSON.stringify(raw)?.slice(0, 200); } catch { return String(raw); } })();
      this.log.warn(`${this.kind} panel: dropped an invalid message: ${preview}`);
      return;
    }
    this.stats.received[m.method] = (this.stats.received[m.method] ?? 0) + 1;
    switch (m.method) {
      case 'ready':
        this.stats.readyCount++;
        this.ready.resolve();
        void this.post('init', { panel: this.kind, state: this.state });
        this.onReady();
        break;
      case 'state':
        this.state = m.params.state;
        break;
      case 'log':
        this.log[m.params.level](`${this.kind} panel: ${m.params.message}`);
        break;
      case 'export/csv':
        void this.save(m.params.fileName, Buffer.from(m.params.csv, 'utf8'), 'CSV');
        break;
      case 'export/png':
        void this.save(m.params.fileName, Buffer.from(m.params.dataUrl.slice('data:image/png;base64,'.length), 'base64'), 'PNG');
        break;
      case 'dashboard/drawn':
        this.stats.drawn = { ...m.params, receivedAt: Date.now() };
        break;
    }
    this.onMessage(m);
    this.messageEmitter.fire(m);
  }

  private async save(fileName: string, data: Buffer, what: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: what === 'CSV' ? { CSV: ['csv'] } : { 'PNG image': ['png'] },
      title: `Export ${what}`,
    });
    if (!target) return;
    try {
      if (target.scheme === 'file') await writeFile(target.fsPath, data);
      else await vscode.workspace.fs.writeFile(target, data);
      this.log.info(`${this.kind} panel: exported ${target.fsPath}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`See2Think: could not write ${target.fsPath}: ${(err as Error).message}`);
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposedEmitter.fire();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
