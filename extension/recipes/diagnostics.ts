// Recipe problems as editor diagnostics: the same validateRecipeText() the CLI prints, on open, on change
// (debounced), on save and when files are created or deleted (data files may appear); cleared on close.
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { defaultCheckEnvironment } from '../../core/recipe/environment';
import type { Problem } from '../../core/recipe/problems';
import type { Range as SourceRange } from '../../core/recipe/sourceMap';
import { isRecipeDocument, ownerOf, recipeFileName } from './documents';
import { showsProblem } from './schemaOwner';

export const DIAGNOSTIC_SOURCE = 'see2think';
const DEBOUNCE_MS = 250;

export function toVsRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.start.line - 1, r.start.col - 1, r.end.line - 1, r.end.col - 1);
}

const SEVERITY: Record<Problem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Every problem the CLI would print for this document's current text. */
export function problemsOf(doc: vscode.TextDocument): Problem[] {
  const file = recipeFileName(doc);
  const env = doc.uri.scheme === 'file' ? defaultCheckEnvironment(dirname(file)) : {};
  return validateRecipeText(doc.getText(), file, env).problems;
}

export function toDiagnostic(p: Problem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(p.range), p.message, SEVERITY[p.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  return d;
}

export function registerRecipeDiagnostics(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const refresh = (doc: vscode.TextDocument) => {
    if (!isRecipeDocument(doc) || doc.isClosed) return;
    try {
      const owner = ownerOf(doc);
      collection.set(doc.uri, problemsOf(doc).filter((p) => showsProblem(owner, p.code)).map(toDiagnostic));
    } catch (err) {
      log.error(`validating ${doc.uri.toString()}: ${(err as Error).stack ?? err}`);
    }
  };
  const schedule = (doc: vscode.TextDocument, delay = DEBOUNCE_MS) => {
    if (!isRecipeDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      refresh(doc);
    }, delay));
  };
  const refreshAll = () => vscode.workspace.textDocuments.forEach((d) => schedule(d, 0));

  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument((d) => schedule(d, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument((d) => schedule(d, 0)),
    vscode.workspace.onDidCloseTextDocument((d) => {
      clearTimeout(timers.get(d.uri.toString()));
      timers.delete(d.uri.toString());
      collection.delete(d.uri);
    }),
    vscode.workspace.onDidCreateFiles(refreshAll),
    vscode.workspace.onDidDeleteFiles(refreshAll),
    vscode.workspace.onDidRenameFiles(refreshAll),
    vscode.extensions.onDidChange(refreshAll),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('yaml.schemas') && refreshAll()),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  // Documents already open at activation, after activation returns.
  refreshAll();
  return collection;
}
