// Which run and stages "Run Stage", "Run From Stage" and "Resume Run" use: never re-running a stage that has
// data in place, reusing a run only when its recipe text is the same and the needed stages succeeded.
import { strict as assert } from 'node:assert';
import { resolveRecipe } from '../../protocol/recipe';
import { planLaunch, planResume } from '../../extension/runs/plan';
import type { RunSnapshot } from '../../extension/runs/runReader';
import type { StageState } from '../../protocol/runRecords';

const recipe = resolveRecipe({
  name: 'demo',
  stages: [
    { id: 'warmup', kind: 'sft', steps: 4, init_from: null },
    { id: 'perception', kind: 'perception', steps: 2 },
    { id: 'textual', kind: 'textual-reasoning', steps: 2 },
  ],
});

function run(dir: string, states: Record<string, StageState>, hash = 'h1', created = '2026-01-01'): RunSnapshot {
  return {
    dir, runId: dir, recipeName: 'demo', created, meta: { recipe_hash: hash } as RunSnapshot['meta'],
    stages: recipe.stages.map((s) => ({
      id: s.id, kind: s.kind, initFrom: s.initFrom, totalSteps: s.steps, globalOffset: 0, checkpoints: [], badLines: 0,
      status: { stage: s.id, state: states[s.id] ?? 'pending', target: 'local', updated: '', total_steps: s.steps },
    })),
  };
}

describe('launch plans', () => {
  const base = { recipe, recipeHash: 'h1', runs: [] as RunSnapshot[], busy: () => false };

  it('Run All and a first stage start a new run with exactly those stages', () => {
    assert.deepEqual(planLaunch({ ...base, mode: 'all' }), { stages: ['warmup', 'perception', 'textual'] });
    assert.deepEqual(planLaunch({ ...base, mode: 'stage', stageId: 'warmup' }), { stages: ['warmup'] });
    assert.throws(() => planLaunch({ ...base, mode: 'stage', stageId: 'nope' }), /no stage 'nope'/);
  });

  it('a later stage reuses the newest run with the same recipe text whose parents succeeded and where it has not run', () => {
    const runs = [
      run('old', { warmup: 'succeeded' }, 'h1', '2026-01-01'),
      run('new', { warmup: 'succeeded' }, 'h1', '2026-01-02'),
      run('edited', { warmup: 'succeeded' }, 'h0', '2026-01-03'),
      run('done', { warmup: 'succeeded', perception: 'failed' }, 'h1', '2026-01-04'),
      run('busy', { warmup: 'succeeded' }, 'h1', '2026-01-05'),
    ];
    const p = planLaunch({ ...base, runs, busy: (d) => d === 'busy', mode: 'from', stageId: 'perception' });
    assert.deepEqual(p, { runDir: 'new', stages: ['perception', 'textual'] });
  });

  it('without such a run, a new run runs the needed earlier stages first and says so', () => {
    const p = planLaunch({ ...base, runs: [run('r', { warmup: 'failed' })], mode: 'stage', stageId: 'textual' });
    assert.deepEqual(p.stages, ['warmup', 'perception', 'textual']);
    assert.equal(p.runDir, undefined);
    assert.match(p.note ?? '', /'warmup', 'perception' finished/);
  });

  it('Resume continues the first stage that did not succeed from its checkpoint, then the rest', () => {
    assert.deepEqual(planResume(run('r', { warmup: 'succeeded', perception: 'cancelled' })), { runDir: 'r', stages: ['perception', 'textual'], resumeFirst: true });
    assert.deepEqual(planResume(run('r', { warmup: 'succeeded' })), { runDir: 'r', stages: ['perception', 'textual'], resumeFirst: false });
    assert.throws(() => planResume(run('r', { warmup: 'succeeded', perception: 'succeeded', textual: 'succeeded' })), /nothing to resume/);
  });
});
