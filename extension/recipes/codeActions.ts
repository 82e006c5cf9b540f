// Quick fixes for recipe problems whose fix is obvious: an unknown key, enum value or alert metric → the closest known one,
// a missing required key → inserted with a sensible value, stages out of the paper's order → reordered.
// Fixes come from our own Problems, so they also apply to the JSON service's diagnostics at the same place.
import * as vscode from 'vscode';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import type { Problem } from '../../core/recipe/problems';
import { insertKeyEdit, missingKeyValue, reorderStagesEdit, replaceScalarEdit, type TextEdit } from '../../core/recipe/language/edits';
import { yamlScalar } from '../../core/recipe/language/schemaNav';
import { PAPER_ORDER } from '../../protocol/recipe';
import { recipeFileName, RECIPE_SELECTOR } from './documents';
import { toVsRange } from './diagnostics';

interface Fix {
  title: string;
  edit: TextEdit;
  preferred: boolean;
}

/** The fix for one problem, if there is an obvious one. */
export function fixFor(text: string, fileName: string, p: Problem, root: unknown): Fix | undefined {
  const format = /\.json$/i.test(fileName) ? 'json' : 'yaml';
  const replacement = p.fix?.replacement;
  if ((p.code === 'schema/unknown-key' || p.code === 'schema/enum' || p.code === 'alerts/unknown-metric') && replacement) {
    const old = text.slice(p.range.start.offset, p.range.end.offset);
    return { title: `Change ${old} to '${replacement}'`, edit: replaceScalarEdit(text, p.range, replacement, format), preferred: true };
  }
  if (p.code === 'schema/missing-key' && p.fix?.insertKey) {
    const key = p.fix.insertKey;
    const value = missingKeyValue(root, p.path, key, fileName);
    const edit = insertKeyEdit(text, fileName, p.path, key, value);
    const shown = Array.isArray(value) ? '…' : format === 'json' ? JSON.stringify(value) : yamlScalar(value);
    return edit && { title: `Add missing key '${key}: ${shown}'`, edit, preferred: true };
  }
  if (p.code === 'stage/paper-order' && Array.isArray(p.fix?.order)) {
    const edit = reorderStagesEdit(text, fileName, p.fix.order as number[]);
    return edit && { title: `Reorder stages to the paper's order (${PAPER_ORDER.join(' → ')})`, edit, preferred: true };
  }
  return undefined;
}

export function registerRecipeCodeActions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerCodeActionsProvider(RECIPE_SELECTOR, {
    provideCodeActions(doc, range, ctx) {
      const text = doc.getText();
      const file = recipeFileName(doc);
      const { problems, src } = validateRecipeText(text, file);
      const actions: vscode.CodeAction[] = [];
      for (const p of problems) {
        const where = toVsRange(p.range);
        if (!where.intersection(range) && !(where.isEmpty && range.contains(where.start))) continue;
        const fix = fixFor(text, file, p, src.value);
        if (!fix) continue;
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(fix.edit.offset), doc.positionAt(fix.edit.offset + fix.edit.length)), fix.edit.text);
        // Ours, or another service's diagnostic about the same spot (JSON schema errors).
        action.diagnostics = ctx.diagnostics.filter((d) => d.range.intersection(where));
        action.isPreferred = fix.preferred;
        actions.push(action);
      }
      return actions;
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
}
