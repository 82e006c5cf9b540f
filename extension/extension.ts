// Activation: wires the extension's features together and nothing else. Each feature registers itself
// through one call here; heavy modules load on first use so activation stays fast.
import * as vscode from 'vscode';
import { registerValidateCommand } from './commands/validateRecipe';

export interface See2ThinkApi {
  /** For tests and other extensions: the extension's output log. */
  log: vscode.LogOutputChannel;
}

export function activate(context: vscode.ExtensionContext): See2ThinkApi {
  const log = vscode.window.createOutputChannel('See2Think', { log: true });
  context.subscriptions.push(log);
  const api: See2ThinkApi = { log };

  // Features (one line each).
  registerValidateCommand(context, log);

  return api;
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
