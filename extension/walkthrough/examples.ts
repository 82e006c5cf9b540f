// The example recipes for a new user (the walkthrough's first steps): "Open Examples" copies the recipes the
// extension ships (examples/*.recipe.yaml) into a see2think-examples/ folder of the workspace — never over a
// file that is there — and opens quick.recipe.yaml; "Run Example" does the same and runs one with Run All.
import * as vscode from 'vscode';
import { EXAMPLE_IDS } from './exampleIds';

export const EXAMPLES_FOLDER = 'see2think-examples';

/** The schema modeline points into the repository the examples come from: a copy leaves it out (the extension serves the schema). */
const withoutModeline = (text: string) => text.replace(/^# yaml-language-server: \$schema=\S+\n/, '');

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

/** Copies the examples into <folder>/see2think-examples/ (keeping any file already there); returns that folder. */
export async function copyExamples(extensionUri: vscode.Uri, folder: vscode.Uri): Promise<vscode.Uri> {
  const target = vscode.Uri.joinPath(folder, EXAMPLES_FOLDER);
  await vscode.workspace.fs.createDirectory(target);
  for (const id of EXAMPLE_IDS) {
    const to = vscode.Uri.joinPath(target, `${id}.recipe.yaml`);
    if (await exists(to)) continue;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'examples', `${id}.recipe.yaml`)));
    await vscode.workspace.fs.writeFile(to, new TextEncoder().encode(withoutModeline(text)));
  }
  return target;
}

/** The workspace folder for the examples; without one, the user picks a folder and it is opened (the window reloads). */
async function workspaceFolder(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder for the example recipes' }))?.uri;
  const picked = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Put the Examples Here' }))?.[0];
  if (picked) {
    await copyExamples(extensionUri, picked);
    await vscode.commands.executeCommand('vscode.openFolder', picked);
  }
  return undefined;
}

export function registerExamples(context: vscode.ExtensionContext): void {
  const open = async (id: string = 'quick'): Promise<vscode.Uri | undefined> => {
    const folder = await workspaceFolder(context.extensionUri);
    if (!folder) return undefined;
    const dir = await copyExamples(context.extensionUri, folder);
    const recipe = vscode.Uri.joinPath(dir, `${(EXAMPLE_IDS as readonly string[]).includes(id) ? id : 'quick'}.recipe.yaml`);
    await vscode.window.showTextDocument(recipe, { preview: false });
    return recipe;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('see2think.openExamples', (id?: unknown) => open(typeof id === 'string' ? id : undefined)),
    vscode.commands.registerCommand('see2think.runExample', async (id?: unknown): Promise<string | undefined> => {
      const which = typeof id === 'string' ? id : await vscode.window.showQuickPick([...EXAMPLE_IDS], { placeHolder: 'Example recipe to run' });
      if (!which) return undefined;
      const recipe = await open(which);
      return recipe && vscode.commands.executeCommand<string>('see2think.runAll', recipe);
    }),
  );
}
