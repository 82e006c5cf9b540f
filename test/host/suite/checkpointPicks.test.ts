// In a real VS Code: the checkpoint picks of Diff Checkpoints lead with each run's final checkpoint (its last
// stage's last), then each stage's last, then the rest; picking B puts the other run's final first, so
// accepting both defaults compares staged's last stage with merged's — not merged's warm-up with itself.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, answerPicks } from './util';
import { writeFinishedRun, writeRecipe } from './runFixtures';
import { checkpointItems, pickCheckpoint } from '../../../extension/commands/pickers';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { RunSnapshot } from '../../../extension/runs/runReader';

describe('checkpoint picks: finals first, B the other run\'s final (real VS Code)', function () {
  this.timeout(120000);
  let core: RunsCore;
  let runs: RunSnapshot[];
  let staged: string;
  let merged: string;
  const files: string[] = [];
  const ck = (run: string, stage: string, step: number) => join(run, 'stages', stage, 'checkpoints', `step-${step}`);

  before(async () => {
    core = await (await activeApi()).runs!.core();
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const runsDir = mkdtempSync(join(ws, 'picks-runs-'));
    const stagedFile = writeRecipe(join(runsDir, 'picks-staged.recipe.yaml'), 'picks-staged', [['warmup', 'sft'], ['perception', 'perception'], ['visual', 'visual-reasoning']]);
    const mergedFile = writeRecipe(join(runsDir, 'picks-merged.recipe.yaml'), 'picks-merged', [['warmup', 'sft'], ['merged', 'merged']]);
    files.push(runsDir);
    // As in the issue: merged is the newer run, each stage saved at steps 10, 20 and 30.
    staged = writeFinishedRun({ recipeFile: stagedFile, runsDir, runId: 's', stages: ['warmup', 'perception', 'visual'], length: () => 1, created: '2026-01-01T00:00:00.000Z', checkpoints: [10, 20, 30] });
    merged = writeFinishedRun({ recipeFile: mergedFile, runsDir, runId: 'm', stages: ['warmup', 'merged'], length: () => 1, created: '2026-01-02T00:00:00.000Z', checkpoints: [10, 20, 30] });
    runs = [core.store.addRun(staged), core.store.addRun(merged)];
  });

  after(() => {
    for (const f of files) rmSync(f, { recursive: true, force: true });
  });

  it('lists finals, then stage ends, then the rest; each run newest first', () => {
    const items = checkpointItems(runs);
    const text = items.map((i) => (i.kind === vscode.QuickPickItemKind.Separator ? `— ${i.label}` : `${i.label} (${i.description})`));
    assert.deepEqual(text.slice(0, 8), [
      '— final checkpoints',
      'merged · step 30 (picks-merged/m · final (merged))',
      'visual · step 30 (picks-staged/s · final (visual-reasoning))',
      "— each stage's last",
      'warmup · step 30 (picks-merged/m · end of sft)',
      'perception · step 30 (picks-staged/s · end of perception)',
      'warmup · step 30 (picks-staged/s · end of sft)',
      '— earlier checkpoints',
    ]);
    assert.equal(items.filter((i) => i.dir).length, 15, 'every checkpoint is offered once');
  });

  it('accepting the defaults picks merged\'s final as A, then staged\'s final as B', async () => {
    const a = await answerPicks(pickCheckpoint(runs, 'A'), 'workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(a, ck(merged, 'merged', 30));
    const b = await answerPicks(pickCheckpoint(runs, 'B', a), 'workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(b, ck(staged, 'visual', 30), 'B defaults to the other run\'s final');
    // And the other way round: A = staged's final puts merged's final first for B; A itself is not offered.
    const items = checkpointItems(runs, ck(staged, 'visual', 30)).filter((i) => i.dir);
    assert.equal(items[0].dir, ck(merged, 'merged', 30));
    assert.ok(!items.some((i) => i.dir === ck(staged, 'visual', 30)));
  });
});
