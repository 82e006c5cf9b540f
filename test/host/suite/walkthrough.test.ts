// The walkthrough in a real VS Code: contributed with its six steps, every step's completion event a command
// the running extension registered, openable by VS Code's own walkthrough command; its first step's button
// (Open Examples) copies the shipped examples into the workspace (never over an edited file) and opens the quick
// recipe; Run Example runs it to the end with the real trainer.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, activeApi } from './util';

describe('walkthrough: contributed, its steps\' commands work (real VS Code)', function () {
  this.timeout(300000);
  let ws: string;
  let dir: string;

  before(async () => {
    await activeApi();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    dir = join(ws, 'see2think-examples');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is contributed, and each step completes on a command the extension registered', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { walkthroughs: { id: string; steps: { id: string; completionEvents: string[] }[] }[] } };
    const w = pkg.contributes.walkthroughs.find((x) => x.id === 'see2think.start')!;
    assert.equal(w.steps.length, 6);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const s of w.steps) for (const e of s.completionEvents) assert.ok(registered.has(e.replace(/^onCommand:/, '')), `${s.id}: ${e}`);
    // VS Code's own command opens it.
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#see2think.start`, false);
  });

  it('Open Examples copies the shipped examples and opens the quick recipe; an edited copy is kept', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('see2think.openExamples');
    assert.equal(uri?.fsPath, join(dir, 'quick.recipe.yaml'));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri!.fsPath, 'opened in the editor');
    for (const id of ['quick', 'quick-merged', 'staged', 'merged', 'easyr1']) assert.ok(existsSync(join(dir, `${id}.recipe.yaml`)), id);
    const text = readFileSync(uri!.fsPath, 'utf8');
    assert.doesNotMatch(text, /yaml-language-server/, 'no schema modeline pointing into the repository');
    assert.match(text, /^name: quick$/m);
    writeFileSync(join(dir, 'staged.recipe.yaml'), '# mine\n' + readFileSync(join(dir, 'staged.recipe.yaml'), 'utf8'));
    await vscode.commands.executeCommand('see2think.openExamples', 'staged');
    assert.match(readFileSync(join(dir, 'staged.recipe.yaml'), 'utf8'), /^# mine/, 'not overwritten');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, join(dir, 'staged.recipe.yaml'));
  });

  it('Run Example runs the quick-merged baseline with Run All', async () => {
    const api = await activeApi();
    const core = await api.runs!.core();
    const runDir = await vscode.commands.executeCommand<string>('see2think.runExample', 'quick-merged');
    assert.ok(runDir && runDir.startsWith(join(dir, 'runs', 'quick-merged')), runDir);
    const result = await core.supervisor.job(runDir)!.done;
    assert.equal(result.state, 'succeeded', JSON.stringify(result.ends));
    assert.deepEqual(result.ends.map((e) => e.stageId), ['warmup', 'merged']);
  });
});
