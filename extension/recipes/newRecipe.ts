// "See2Think: New Recipe": writes a recipe from a template (staged in the paper's order, merged baseline,
// quick demo, EasyR1 on SLURM) under the name the user gives, never over an existing file, and opens it.
import * as vscode from 'vscode';
import { withRecipeName } from '../../core/recipe/language/edits';
import { recipeSchema } from '../../protocol/recipe';

export interface RecipeTemplate {
  id: string;
  label: string;
  detail: string;
}

export const TEMPLATES: readonly RecipeTemplate[] = [
  { id: 'staged', label: 'Staged (the paper\'s order)', detail: 'Built-in trainer: warm-up SFT, then perception → textual reasoning → visual reasoning' },
  { id: 'merged', label: 'Merged baseline', detail: 'Built-in trainer: warm-up SFT, then one RL stage on all three task kinds shuffled' },
  { id: 'quick', label: 'Quick demo', detail: 'Tiny built-in model, short stages: the whole workflow in a few minutes' },
  { id: 'easyr1', label: 'EasyR1 on SLURM (the paper\'s setting)', detail: 'Qwen2.5-VL-7B, 90 / 375 / 465 GRPO steps, EasyR1 defaults, sbatch jobs' },
];

const NAME_PATTERN = new RegExp(recipeSchema.properties.name.pattern);

export function templateUri(extensionUri: vscode.Uri, id: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'media', 'templates', `${id}.recipe.yaml`);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function chooseFolder(explicit?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (explicit instanceof vscode.Uri) {
    const stat = await vscode.workspace.fs.stat(explicit).then((s) => s, () => undefined);
    return stat && stat.type & vscode.FileType.File ? vscode.Uri.joinPath(explicit, '..') : explicit;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new recipe' }))?.uri;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Recipe Here' });
  return picked?.[0];
}

/**
 * Arguments (all optional; the user is asked for what is missing): the folder to create it in, a template
 * id, the recipe name. Returns the new file's URI.
 */
export function registerNewRecipeCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('see2think.newRecipe',
    async (folderArg?: vscode.Uri, templateId?: string, nameArg?: string): Promise<vscode.Uri | undefined> => {
      const template = TEMPLATES.find((t) => t.id === templateId) ?? (await vscode.window.showQuickPick(
        TEMPLATES.map((t) => ({ ...t, description: t.id })), { placeHolder: 'Recipe template', matchOnDetail: true },
      ));
      if (!template) return undefined;
      const folder = await chooseFolder(folderArg);
      if (!folder) return undefined;
      const free = async (n: string) => !(await exists(vscode.Uri.joinPath(folder, `${n}.recipe.yaml`)));
      let suggestion = template.id;
      for (let i = 2; !(await free(suggestion)) && i < 100; i++) suggestion = `${template.id}-${i}`;
      const name = nameArg ?? await vscode.window.showInputBox({
        prompt: 'Recipe name (names the file and the runs/<name>/ folder)',
        value: suggestion,
        validateInput: async (v) => !NAME_PATTERN.test(v)
          ? "Letters, digits, '.', '_' and '-' only, starting with a letter or digit (it becomes a folder name)"
          : !(await free(v)) ? `${v}.recipe.yaml already exists here` : undefined,
      });
      if (!name) return undefined;
      if (!NAME_PATTERN.test(name)) throw new Error(`'${name}' cannot name a recipe: letters, digits, '.', '_' and '-' only`);
      const target = vscode.Uri.joinPath(folder, `${name}.recipe.yaml`);
      if (!(await free(name))) {
        void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(target)} already exists: choose another name.`);
        return undefined;
      }
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(templateUri(context.extensionUri, template.id)));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(withRecipeName(text, name)));
      await vscode.window.showTextDocument(target);
      return target;
    }));
}
