// Recipe authoring in one registration: diagnostics, completion, hover, quick fixes, CodeLenses and the
// New Recipe command, for *.recipe.yaml / *.recipe.json (see documents.ts and schemaOwner.ts).
import type * as vscode from 'vscode';
import { registerRecipeDiagnostics } from './diagnostics';
import { registerRecipeCompletion } from './completion';
import { registerRecipeHover } from './hover';
import { registerRecipeCodeActions } from './codeActions';
import { registerRecipeCodeLens } from './codeLens';
import { registerNewRecipeCommand } from './newRecipe';

export function registerRecipeAuthoring(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  registerRecipeDiagnostics(context, log);
  registerRecipeCompletion(context);
  registerRecipeHover(context);
  registerRecipeCodeActions(context);
  registerRecipeCodeLens(context);
  registerNewRecipeCommand(context);
}
