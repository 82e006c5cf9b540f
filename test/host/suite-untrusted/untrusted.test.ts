// Restricted Mode in a real VS Code (workspace trust on, folder not trusted): the extension activates with its
// limited support, shows runs, but no command launches a trainer and no run folder is created.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from '../suite/util';
import type { See2ThinkApi } from '../../../extension/extension';

describe('untrusted workspace: runs can be viewed, never launched', function () {
  this.timeout(120000);

  it('activates in Restricted Mode and refuses every launch command', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened the folder untrusted');
    const ext = vscode.extensions.getExtension<See2ThinkApi>(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 30000, 'extension never activated in Restricted Mode');
    const core = await ext.exports.runs!.core();
    const [uri] = await vscode.workspace.findFiles('**/tiny.recipe.yaml');
    assert.ok(uri);
    assert.equal(await vscode.commands.executeCommand('see2think.runAll', uri), undefined);
    assert.equal(await vscode.commands.executeCommand('see2think.runStage', uri, 'warmup'), undefined);
    assert.equal(await vscode.commands.executeCommand('see2think.runFrom', uri, 'warmup'), undefined);
    assert.equal(await vscode.commands.executeCommand('see2think.resumeRun', '/nonexistent'), undefined);
    const runsDir = join(dirname(uri.fsPath), 'runs');
    assert.ok(!existsSync(runsDir) || readdirSync(runsDir).length === 0, 'no run folder was created');
    assert.equal(core.supervisor.jobs.length, 0, 'nothing was launched');
    // Viewing still works: the Runs view lists the recipes.
    const roots = await ext.exports.runsTree!.getChildren();
    assert.ok(roots.some((n) => n.type === 'recipe' && n.root.name === 'tiny'));
  });
});
