// External trainers in a real VS Code: Show Command opens the exact EasyR1 command line of a stage, and Attach
// to Run Folder puts a foreign EasyR1 run folder into the runs store, updated as the folder grows.
import { strict as assert } from 'node:assert';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './util';

// The runner passes the repository root (the workspace is a temp copy of test/fixtures/workspace).
const root = () => process.env.S2T_REPO!;

interface Api {
  runs: { core(): Promise<{ store: { get(dir: string): { stages: { id: string; status?: { state: string; step?: number } }[] } | undefined } }> };
}

describe('external trainers in the extension', () => {
  let work: string;
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 30000, 'extension never activated');
    work = mkdtempSync(join(tmpdir(), 's2t-host-ext-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('Show Command opens the exact EasyR1 command line of a stage', async () => {
    const uri = vscode.Uri.file(join(root(), 'examples/easyr1.recipe.yaml'));
    const compiled = await vscode.commands.executeCommand<{ argv: string[]; stageId: string }[]>('see2think.showCommand', uri, 'textual');
    assert.equal(compiled?.length, 1);
    assert.deepEqual(compiled![0].argv.slice(0, 3), ['python3', '-m', 'verl.trainer.main']);
    assert.ok(compiled![0].argv.includes('trainer.max_steps=375'));
    const shown = vscode.window.activeTextEditor?.document;
    assert.equal(shown?.languageId, 'shellscript');
    assert.match(shown!.getText(), /# stage 'textual' \(easyr1\), starts from: .*\/runs\/paper-easyr1\/<run-id>\/stages\/perception\/easyr1\/global_step_90\/actor\/huggingface/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Attach to Run Folder mirrors an EasyR1 folder into the runs store and follows it', async () => {
    const folder = join(work, 'easyr1-run');
    cpSync(join(root(), 'test/fixtures/external/easyr1'), folder, { recursive: true });
    const r = await vscode.commands.executeCommand<{ kind: string; runDir: string }>('see2think.attachRunFolder', vscode.Uri.file(folder));
    assert.equal(r?.kind, 'easyr1');
    const api = vscode.extensions.getExtension(EXTENSION_ID)!.exports as Api;
    const store = (await api.runs.core()).store;
    const stage = await waitFor(() => store.get(r!.runDir)?.stages.find((s) => s.id === 'attached' && s.status?.step === 2), 10000, 'attached run not in the store');
    assert.equal(stage.status?.state, 'running');
    appendFileSync(join(folder, 'experiment_log.jsonl'), ', "accuracy": 0.5}}\n');
    await waitFor(() => store.get(r!.runDir)?.stages[0].status?.state === 'succeeded', 15000, 'the attached run did not follow the folder');
  });
});
