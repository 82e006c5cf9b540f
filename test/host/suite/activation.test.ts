// The extension activates in a real VS Code on a workspace with a recipe and contributes its commands.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './util';

describe('activation in a real extension host', () => {
  it('activates on a workspace that contains a recipe (workspaceContains), without being asked', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded from extensionDevelopmentPath`);
    await waitFor(() => ext.isActive, 30000, 'extension never activated');
    assert.ok(ext.exports?.log, 'activate() returned its API');
  });

  it('registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: string[] = ext.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), [], 'contributed but not registered');
  });

  it('validates the workspace recipe through its command', async () => {
    const uri = (await vscode.workspace.findFiles('**/broken.recipe.yaml'))[0];
    assert.ok(uri, 'fixture broken.recipe.yaml in the workspace');
    const problems = await vscode.commands.executeCommand<{ code: string; range: { start: { line: number } } }[]>('see2think.validateRecipe', uri);
    assert.deepEqual(problems?.map((p) => `${p.range.start.line} ${p.code}`), ['6 stage/duplicate-id']);
  });
});
