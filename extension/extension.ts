// Activation: wires the extension's pieces together. Keep this file to wiring only; each feature lives
// in its own folder and is loaded when first used, so activation stays fast.
import * as vscode from 'vscode';
import { registerValidateCommand } from './commands/validateRecipe';

export interface See2ThinkApi {
  /** For tests and other extensions: the extension's output log. */
  log: vscode.LogOutputChannel;
}

export function activate(context: vscode.ExtensionContext): See2ThinkApi {
  const log = vscode.window.createOutputChannel('See2Think', { log: true });
  context.subscriptions.push(log);
  registerValidateCommand(context, log);
  return { log };
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
