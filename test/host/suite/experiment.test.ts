// In a real VS Code: See2Think: Run Experiment… runs `see2think experiment --stream` as a child process (tiny
// recipes, one seed) behind its progress notification, the runs it makes are ordinary run directories with
// their experiment group, and report.md is opened.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentReport } from '../../../protocol/experiment';
import { EXTENSION_ID, waitFor } from './util';

const HEAD = (name: string) => `name: ${name}
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 2, max_response_length: 56, val_freq: 10, save_freq: 10 }
stages:
  - { id: warmup, kind: sft, steps: 6, init_from: null, data: { val_size: 4 }, algorithm: { global_batch_size: 8 } }
`;

describe('Run Experiment (real VS Code)', function () {
  this.timeout(300000);

  it('runs both recipes for a seed as a child process and opens report.md', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 30000, 'extension never activated');
    const dir = mkdtempSync(join(tmpdir(), 's2t-exp-host-'));
    writeFileSync(join(dir, 'a.recipe.yaml'), HEAD('stagedx') + '  - { id: perception, kind: perception, steps: 1 }\n  - { id: visual, kind: visual-reasoning, steps: 1 }\n');
    writeFileSync(join(dir, 'b.recipe.yaml'), HEAD('mergedx') + '  - { id: merged, kind: merged, steps: 2 }\n');
    const markdown = await vscode.commands.executeCommand<string | undefined>('see2think.runExperiment', {
      a: vscode.Uri.file(join(dir, 'a.recipe.yaml')), b: vscode.Uri.file(join(dir, 'b.recipe.yaml')), seeds: 1,
      options: ['--no-controls', '--eval-size', '4', '--runs-dir', join(dir, 'runs')],
    });
    assert.equal(markdown, join(dir, 'runs', 'experiments', 'stagedx-vs-mergedx', 'report.md'));
    assert.match(readFileSync(markdown!, 'utf8'), /^# Experiment stagedx-vs-mergedx: stagedx vs mergedx/);
    const report = JSON.parse(readFileSync(join(dir, 'runs', 'experiments', 'stagedx-vs-mergedx', 'report.json'), 'utf8')) as ExperimentReport;
    assert.equal(report.complete, true);
    const run = JSON.parse(readFileSync(join(dir, 'runs', 'mergedx', 'stagedx-vs-mergedx-mergedx-s1', 'run.json'), 'utf8'));
    assert.deepEqual(run.group, { experiment: 'stagedx-vs-mergedx', arm: 'mergedx', seed: 1 });
    // The report is shown (the markdown preview's tab).
    await waitFor(() => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /report\.md/.test(t.label))), 20000, 'report.md was not opened');
  });
});
