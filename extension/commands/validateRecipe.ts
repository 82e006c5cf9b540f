// "See2Think: Validate Recipe": runs the same checks as `see2think validate` on a recipe and reports them
// in the log (and returns them, for tests and other commands).
import * as vscode from 'vscode';
import type { Problem } from '../../core/recipe/problems';
import { pickRecipe } from '../recipes/findRecipes';
import * as path from 'node:path';

export function registerValidateCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('see2think.validateRecipe', async (uri?: vscode.Uri): Promise<Problem[] | undefined> => {
      const target = await pickRecipe(uri);
      if (!target) return undefined;
      const doc = await vscode.workspace.openTextDocument(target);
      // Loaded on first use: the validator pulls in ajv and yaml, which activation should not pay for.
      const { validateRecipeText } = await import('../../core/recipe/loadRecipe');
      const { defaultCheckEnvironment } = await import('../../core/recipe/environment');
      const { formatProblem } = await import('../../core/recipe/problems');
      const { problems } = validateRecipeText(doc.getText(), target.fsPath, defaultCheckEnvironment(path.dirname(target.fsPath)));
      const rel = vscode.workspace.asRelativePath(target);
      for (const p of problems) log.appendLine(formatProblem(rel, p));
      const errors = problems.filter((p) => p.severity === 'error').length;
      const message = errors ? `${rel}: ${errors} error(s) — see the See2Think log` : `${rel}: valid (${problems.length} warning(s))`;
      if (errors) void vscode.window.showErrorMessage(message, 'Show Log').then((a) => a && log.show());
      else void vscode.window.showInformationMessage(message);
      return problems;
    }),
  );
}
