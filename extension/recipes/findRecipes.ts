// Finding recipes in the workspace, the active editor's first, for quick picks and commands.
import * as vscode from 'vscode';

export const RECIPE_GLOB = '**/*.recipe.{yaml,yml,json}';

export function isRecipeUri(uri: vscode.Uri): boolean {
  return /\.recipe\.(ya?ml|json)$/i.test(uri.path);
}

export async function findRecipes(): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(RECIPE_GLOB, '**/{node_modules,runs,.git}/**', 500);
  const active = vscode.window.activeTextEditor?.document.uri;
  const sorted = found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  if (active && isRecipeUri(active)) {
    return [active, ...sorted.filter((u) => u.toString() !== active.toString())];
  }
  return sorted;
}

/** The recipe a command acts on: an explicit URI, the active recipe editor, or the user's pick. */
export async function pickRecipe(explicit?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (explicit instanceof vscode.Uri) return explicit;
  const recipes = await findRecipes();
  if (!recipes.length) {
    void vscode.window.showWarningMessage('No *.recipe.yaml or *.recipe.json files in this workspace. Create one with "See2Think: New Recipe".');
    return undefined;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (recipes.length === 1 || (active && isRecipeUri(active))) return recipes[0];
  const pick = await vscode.window.showQuickPick(
    recipes.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Choose a recipe' },
  );
  return pick?.uri;
}
