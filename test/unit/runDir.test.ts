import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun, openRun, newRunId, recipeRunsFolder, isInside, runsRoot } from '../../core/rundir/runDir';
import { loadRecipeFile } from '../../core/recipe/loadRecipe';
import { latestCheckpoint, checkpointDir, listCheckpoints } from '../../core/rundir/checkpointPaths';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 2\n';

describe('run directories', () => {
  let dir: string;
  let recipeFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-rd-'));
    recipeFile = join(dir, 'demo.recipe.yaml');
    writeFileSync(recipeFile, RECIPE);
  });

  it("writes an experiment run's group with its first run.json (a reader never sees the run ungrouped)", () => {
    const group = { experiment: 'e1', arm: 'staged', seed: 3 };
    const run = createRun({ recipeFile, runId: 'g1', group });
    assert.deepEqual(JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8')).group, group);
    assert.equal('group' in createRun({ recipeFile, runId: 'g2' }).meta, false);
  });

  it('creates runs/<name>/<id>/ next to the recipe with a frozen recipe, run.json and pending stages', () => {
    const run = createRun({ recipeFile, runId: 'r1' });
    assert.equal(run.runDir, join(dir, 'runs/demo/r1'));
    assert.equal(readFileSync(join(run.runDir, 'recipe.yaml'), 'utf8'), RECIPE);
    assert.deepEqual(run.meta.stages, ['a', 'b']);
    assert.match(run.meta.recipe_hash, /^[0-9a-f]{64}$/);
    const st = JSON.parse(readFileSync(join(run.runDir, 'stages/b/status.json'), 'utf8'));
    assert.deepEqual([st.state, st.total_steps], ['pending', 2]);
    // The frozen copy is what a later stage process reads, even if the live recipe changes.
    writeFileSync(recipeFile, 'garbage: [');
    assert.deepEqual(openRun(run.runDir).recipe.stages.map((s) => s.id), ['a', 'b']);
  });

  it('never writes into an existing run directory', () => {
    createRun({ recipeFile, runId: 'r1' });
    assert.throws(() => createRun({ recipeFile, runId: 'r1' }), /already exists/);
  });

  it('rejects hostile run ids and invalid recipes before creating anything', () => {
    assert.throws(() => createRun({ recipeFile, runId: '../../x' }), /not allowed/);
    writeFileSync(recipeFile, RECIPE.replace('id: b', 'id: a'));
    assert.throws(() => createRun({ recipeFile, runId: 'r2' }), /demo\.recipe\.yaml:6:9: error: duplicate stage id/);
  });

  it('run ids sort by time', () => {
    assert.match(newRunId(new Date(2026, 10, 24, 8, 5, 3)), /^20261124-080503-[0-9a-f]{4}$/);
  });

  it('only complete checkpoints (with meta.json) count', () => {
    const stage = join(dir, 'stage');
    for (const step of [5, 10, 15]) mkdirSync(checkpointDir(stage, step), { recursive: true });
    writeFileSync(join(checkpointDir(stage, 5), 'meta.json'), '{}');
    writeFileSync(join(checkpointDir(stage, 10), 'meta.json'), '{}');
    assert.deepEqual(listCheckpoints(stage).map((c) => c.step), [5, 10]);
    assert.equal(latestCheckpoint(stage)?.step, 10);
  });

  it('finds a recipe\'s runs folder from a loose parse as createRun places it, refusing unusable names', () => {
    const ws = join(dir, 'ws');
    const recipe = join(ws, 'sub', 'x.recipe.yaml');
    assert.deepEqual(recipeRunsFolder(recipe, { name: 'demo' }), { root: join(ws, 'sub', 'runs', 'demo') });
    assert.deepEqual(recipeRunsFolder(recipe, { name: 'demo', runs_dir: '/abs' }), { root: join(ws, 'sub', 'abs', 'demo') }, 'runs_dir is relative to the recipe, as in createRun');
    writeFileSync(recipeFile, RECIPE.replace('name: demo', 'name: demo\nruns_dir: /abs'));
    assert.equal(runsRoot(recipeFile, loadRecipeFile(recipeFile).resolved), join(dir, 'abs'));
    for (const name of ['../x', '..', '/etc', 'a/b', '', 7, undefined]) assert.ok('error' in recipeRunsFolder(recipe, { name }), String(name));
    assert.ok('error' in recipeRunsFolder(recipe, { name: 'demo', runs_dir: 3 }));
    // Inside or not: after links are resolved (a runs folder that links out is outside).
    mkdirSync(join(ws, 'sub'), { recursive: true });
    symlinkSync('/tmp', join(ws, 'sub', 'out'));
    assert.equal(isInside(join(ws, 'sub', 'runs', 'demo'), ws), true);
    assert.equal(isInside(join(ws, 'sub', '..', '..', 'else'), ws), false);
    assert.equal(isInside(join(ws, 'sub', 'out', 'demo'), ws), false);
    assert.equal(isInside(ws + '-sibling', ws), false);
  });
});
