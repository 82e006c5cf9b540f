// The webview end of the typed contract in protocol/messages.ts: wraps acquireVsCodeApi (callable once per
// page), posts typed messages, dispatches host messages by method after a shape check, runs the ready
// handshake, and saves/restores panel state with vscode.setState/getState (kept by VS Code while a hidden
// panel is torn down) — also mirrored to the host, debounced, for serializers after a window reload.
import type { HostMessage, ParamsOf, PanelKind, WebviewMessage } from '../../protocol/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type HostMethod = HostMessage['method'];
type Handler<M extends HostMethod> = (params: ParamsOf<HostMessage, M>) => void;

export interface Channel {
  post<M extends WebviewMessage['method']>(method: M, params: ParamsOf<WebviewMessage, M>): void;
  on<M extends HostMethod>(method: M, handler: Handler<M>): void;
  /** Tells the host the page listens (call after every `on`). */
  ready(): void;
  /** The state saved before this page was torn down, if any (validated by the caller). */
  savedState(): unknown;
  /** Saves state now for getState and, debounced, mirrors it to the host. */
  saveState(state: unknown): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

let api: VsCodeApi | undefined;
/** acquireVsCodeApi throws when called twice: keep the one instance. */
function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export function connect(panel: PanelKind): Channel {
  const vscode = vscodeApi();
  const handlers = new Map<string, (p: unknown) => void>();
  let stateTimer: ReturnType<typeof setTimeout> | undefined;

  const post: Channel['post'] = (method, params) => vscode.postMessage({ method, params });
  const log: Channel['log'] = (level, message) => post('log', { level, message: message.slice(0, 4000) });

  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as { method?: unknown; params?: unknown } | null;
    // Only methods this panel registered are dispatched; anything else on the window is ignored.
    if (!m || typeof m !== 'object' || typeof m.method !== 'string') return;
    const h = handlers.get(m.method);
    if (!h) return;
    if (typeof m.params !== 'object' || m.params === null) {
      log('warn', `${panel}: dropped ${m.method} without params`);
      return;
    }
    try {
      h(m.params);
    } catch (err) {
      // A bad payload must not kill the panel: report it and keep listening.
      log('error', `${panel}: ${m.method} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  });

  return {
    post,
    log,
    on: (method, handler) => void handlers.set(method, handler as (p: unknown) => void),
    ready: () => post('ready', { panel }),
    savedState: () => vscode.getState(),
    saveState(state) {
      vscode.setState(state);
      clearTimeout(stateTimer);
      stateTimer = setTimeout(() => post('state', { state }), 500);
    },
  };
}
