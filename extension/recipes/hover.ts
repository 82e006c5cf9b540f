// Hover in recipes: a key's description, type, default and the paper's value; on an enum value, what it
// means. Where another service already shows descriptions (JSON), only type, default and paper value.
import * as vscode from 'vscode';
import { cursorContext } from '../../core/recipe/language/cursorContext';
import { hoverMarkdown } from '../../core/recipe/language/schemaNav';
import { ownerOf, recipeFileName, RECIPE_SELECTOR } from './documents';

const WORD = /[A-Za-z0-9_$.+-]+/;

export function registerRecipeHover(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerHoverProvider(RECIPE_SELECTOR, {
    provideHover(doc, position) {
      const word = doc.getWordRangeAtPosition(position, WORD);
      if (!word) return undefined;
      // The context at the end of the word: a key being "typed" there, or a value of a key.
      const ctx = cursorContext(doc.getText(), doc.offsetAt(word.end), recipeFileName(doc));
      const isKey = ctx.position === 'key';
      const path = isKey ? [...ctx.path, ctx.prefix] : ctx.path;
      const value = isKey ? undefined : doc.getText(word);
      const md = hoverMarkdown(path, value, { withDescription: ownerOf(doc) === 'see2think' });
      return md ? new vscode.Hover(new vscode.MarkdownString(md), word) : undefined;
    },
  }));
}
