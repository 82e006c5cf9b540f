// "See2Think: Show Command": the exact command line an external-trainer recipe's stages run (EasyR1, verl, TRL
// or the recipe's own command), opened as a read-only-in-spirit shell document before anything is launched.
// Works on the editor's unsaved text; paths inside a future run show a `<run-id>` placeholder.
import * as vscode from 'vscode';
import { dirname, join } from 'node:path';
import { pickRecipe } from '../recipes/findRecipes';
import { recipeUriOf, stageIdOf } from './args';
import type { CompiledStage } from '../../core/external/compiled';

export function registerShowCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('see2think.showCommand', async (recipeArg?: unknown, stageArg?: unknown): Promise<CompiledStage[] | undefined> => {
      const uri = await pickRecipe(recipeUriOf(recipeArg));
      if (!uri) return undefined;
      const doc = await vscode.workspace.openTextDocument(uri);
      const rel = vscode.workspace.asRelativePath(uri);
      const { validateRecipeText } = await import('../../core/recipe/loadRecipe');
      const { formatProblem } = await import('../../core/recipe/problems');
      const { resolved, problems } = validateRecipeText(doc.getText(), uri.fsPath, { recipeDir: dirname(uri.fsPath) });
      if (!resolved) {
        for (const p of problems) log.appendLine(formatProblem(rel, p));
        void vscode.window.showErrorMessage(`${rel}: fix the recipe's errors first (see the Problems panel)`);
        return undefined;
      }
      if (resolved.model.trainer === 'builtin') {
        void vscode.window.showInformationMessage(`${rel} uses the built-in trainer: each stage runs as \`see2think stage <run-dir> <stage-id>\`, there is no external command line.`);
        return [];
      }
      let stages = resolved.stages.map((s) => s.id);
      const wanted = stageIdOf(stageArg, stageArg);
      if (wanted) stages = stages.filter((s) => s === wanted);
      else if (stages.length > 1) {
        const all = `All ${stages.length} stages`;
        const pick = await vscode.window.showQuickPick([all, ...stages], { placeHolder: `Show the command of which stage of ${resolved.name}?` });
        if (!pick) return undefined;
        if (pick !== all) stages = [pick];
      }
      if (!stages.length) {
        void vscode.window.showErrorMessage(`${rel} has no stage '${String(wanted)}'`);
        return undefined;
      }
      const { compileStage } = await import('../../core/external/compile');
      const { formatCompiledStage } = await import('../../core/external/display');
      const { runsRoot } = await import('../../core/rundir/runDir');
      const runDir = join(runsRoot(uri.fsPath, resolved), resolved.name, '<run-id>');
      let compiled: CompiledStage[];
      try {
        compiled = stages.map((stageId) => compileStage({ recipe: resolved, stageId, runDir, recipeDir: dirname(uri.fsPath) }));
      } catch (err) {
        void vscode.window.showErrorMessage(`${rel}: ${(err as Error).message}`);
        return undefined;
      }
      const text = `# ${rel} — the command line${compiled.length > 1 ? 's' : ''} See2Think runs (an argument vector, no shell;\n# quoted here so it can be pasted).\n\n${compiled.map(formatCompiledStage).join('\n\n')}\n`;
      const shown = await vscode.workspace.openTextDocument({ language: 'shellscript', content: text });
      await vscode.window.showTextDocument(shown, { preview: true });
      return compiled;
    }),
  );
}
