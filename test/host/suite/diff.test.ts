// In a real VS Code: Diff Checkpoints evaluates two checkpoints of a real (tiny, trained here) run as child
// processes, opens the trace diff panel, whose page asks for and gets row details; Open in Diff Editor opens
// VS Code's diff editor on A's and B's trace with the right contents; a second evaluation is reused.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvalOutcome } from '../../../protocol/diff';
import { createRun } from '../../../core/rundir/runDir';
import { parseEvalText } from '../../../core/diff/evalFile';
import type { DiffPanel } from '../../../extension/panels/diffPanel';
import { EXTENSION_ID, waitFor } from './util';


describe('trace diff: evaluate, compare, open in diff editor (real VS Code)', function () {
  this.timeout(300000);
  let runDir: string;
  let ck10: string;
  let ck20: string;
  let panel: DiffPanel | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 30000, 'extension never activated');
    const dir = mkdtempSync(join(tmpdir(), 's2t-diff-host-'));
    copyFileSync(join(process.env.S2T_REPO!, 'test/fixtures/checkpoints/tiny-sft.recipe.yaml'), join(dir, 'eval.recipe.yaml'));
    runDir = createRun({ recipeFile: join(dir, 'eval.recipe.yaml'), runsDir: join(dir, 'runs'), runId: 'r1' }).runDir;
    // The stage runs as the extension runs trainers: the host's runtime as Node, the bundled CLI.
    const cli = join(ext.extensionPath, 'dist', 'cli.js');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cli, 'stage', runDir, 'warmup'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
      child.on('exit', resolve);
    });
    assert.equal(code, 0, 'the SFT stage trained');
    ck10 = join(runDir, 'stages/warmup/checkpoints/step-10');
    ck20 = join(runDir, 'stages/warmup/checkpoints/step-20');
  });

  after(() => panel?.dispose());

  it('Diff Checkpoints evaluates both on one set and opens the panel, whose page asks for row details', async () => {
    panel = await vscode.commands.executeCommand<DiffPanel>('see2think.diffCheckpoints', ck10, ck20);
    assert.ok(panel, 'the command returned the panel');
    const evals = readdirSync(join(runDir, 'evals')).sort();
    assert.deepEqual(evals, ['warmup.step-10__merged-24__t0.6-p0.95__seed1.jsonl', 'warmup.step-20__merged-24__t0.6-p0.95__seed1.jsonl']);
    assert.equal(panel.summary.paired, 24);
    assert.equal(panel.summary.a.checkpoint, 'tiny-sft/r1/warmup/step-10');
    assert.equal(panel.summary.b.checkpoint, 'tiny-sft/r1/warmup/step-20');
    await panel.initialized;
    await waitFor(() => (panel!.stats.received['diff/details'] ?? 0) > 0 && (panel!.stats.posted['diff/details'] ?? 0) > 0, 30000, 'the page never asked for row details');
    assert.ok((panel.stats.posted['diff/data'] ?? 0) >= 1);
    assert.equal(panel.stats.rejected, 0);
  });

  it('Open in Diff Editor (the page\'s message) opens VS Code\'s diff editor on A\'s and B\'s trace', async () => {
    const [fa, fb] = [panel!.files.a, panel!.files.b].map((f) => parseEvalText(readFileSync(f, 'utf8'), f));
    const id = fa.records[3].prompt_id;
    // Exactly what arrives when the row's button is clicked: validated, then dispatched.
    (panel as unknown as { receive(raw: unknown): void }).receive({ method: 'diff/open-editor', params: { id } });
    const tab = await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === 'see2think-trace'), 20000, 'no diff editor opened');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.match(tab.label, new RegExp(`^${id.replace(/[/]/g, '\\/')}: A \\(step-10\\) ↔ B \\(step-20\\)`));
    const [docA, docB] = await Promise.all([vscode.workspace.openTextDocument(input.original), vscode.workspace.openTextDocument(input.modified)]);
    const ra = fa.records[3];
    const rb = fb.records.find((r) => r.prompt_id === id)!;
    assert.ok(docA.getText().startsWith('checkpoint: tiny-sft/r1/warmup/step-10\n'), docA.getText().slice(0, 200));
    assert.ok(docB.getText().startsWith('checkpoint: tiny-sft/r1/warmup/step-20\n'));
    assert.ok(docA.getText().includes(`prompt ${id}: ${ra.prompt}`));
    assert.ok(docA.getText().endsWith(`\n${ra.response}\n`), 'A document ends with A\'s trace, verbatim');
    assert.ok(docB.getText().endsWith(`\n${rb.response}\n`), 'B document ends with B\'s trace, verbatim');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('compares two checkpoints selected in the Runs view (clicked node + selection), reusing their evals', async () => {
    const node = (step: number, dir: string) => ({ type: 'checkpoint', runDir, stageId: 'warmup', step, dir });
    const p = await vscode.commands.executeCommand<DiffPanel>('see2think.diffCheckpoints', node(20, ck20), [node(10, ck10), node(20, ck20)]);
    assert.ok(p);
    assert.deepEqual([p.summary.a.checkpoint, p.summary.b.checkpoint], ['tiny-sft/r1/warmup/step-10', 'tiny-sft/r1/warmup/step-20']);
    assert.equal(readdirSync(join(runDir, 'evals')).length, 2, 'no new evaluation');
    p.dispose();
  });

  it('Evaluate Checkpoint reuses the finished result of the same checkpoint, set, sampling and seed', async () => {
    const again = await vscode.commands.executeCommand<EvalOutcome>('see2think.evaluateCheckpoint', ck20);
    assert.ok(again);
    assert.equal(again.reused, true);
    assert.equal(again.prompts, 24);
    const greedy = await vscode.commands.executeCommand<EvalOutcome>('see2think.evaluateCheckpoint', { type: 'checkpoint', runDir, stageId: 'warmup', step: 20, dir: ck20 }, { greedy: true, set: 'perception:8' });
    assert.equal(greedy?.reused, false);
    assert.ok(existsSync(join(runDir, 'evals', 'warmup.step-20__perception-8__greedy__seed1.jsonl')));
  });
});
