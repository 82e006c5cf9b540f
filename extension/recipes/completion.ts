// Completion in recipes: keys still allowed at the cursor, enum values and defaults (all from the schema),
// and init_from's earlier stage ids. Where another service owns the schema (JSON), only the stage ids.
import * as vscode from 'vscode';
import { completionsAt, type CompletionSpec } from '../../core/recipe/language/completions';
import { ownerOf, recipeFileName, RECIPE_SELECTOR } from './documents';

const KIND: Record<CompletionSpec['kind'], vscode.CompletionItemKind> = {
  key: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
};

function toItem(doc: vscode.TextDocument, s: CompletionSpec): vscode.CompletionItem {
  const item = new vscode.CompletionItem(s.label, KIND[s.kind]);
  item.insertText = new vscode.SnippetString(s.insertText);
  item.detail = s.detail;
  item.documentation = new vscode.MarkdownString(s.documentation);
  item.sortText = s.sortText;
  item.range = new vscode.Range(doc.positionAt(s.replaceStart), doc.positionAt(s.replaceEnd));
  // Keep VS Code's fuzzy filter on the typed word, including a value's opening quote.
  item.filterText = doc.getText(item.range).startsWith('"') ? `"${s.label}"` : s.label;
  if (s.preselect) item.preselect = true;
  if (s.retrigger) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
  return item;
}

export function registerRecipeCompletion(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerCompletionItemProvider(RECIPE_SELECTOR, {
    provideCompletionItems(doc, position) {
      const specs = completionsAt(doc.getText(), doc.offsetAt(position), recipeFileName(doc), {
        schemaItems: ownerOf(doc) === 'see2think',
      });
      return specs.map((s) => toItem(doc, s));
    },
  }, ':', ' ', '"', '-'));
}
