// The global step axis (core/rundir/globalStep.ts): where a stage starts, for the writers (from its init stage's
// checkpoint) and for readers before it has logged (as planned).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plannedOffsets, startPoint } from '../../core/rundir/globalStep';

describe('global step', () => {
  it('a stage starts at the global step of its init stage\'s latest complete checkpoint', () => {
    const run = mkdtempSync(join(tmpdir(), 's2t-global-'));
    const ck = (step: number, meta?: object) => {
      const d = join(run, 'stages/a/checkpoints', `step-${step}`);
      mkdirSync(d, { recursive: true });
      if (meta) writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    };
    assert.equal(startPoint(run, 'a'), undefined, 'no checkpoint yet');
    ck(10, { step: 10, global_step: 25 });
    ck(20); // incomplete: no meta.json
    assert.deepEqual(startPoint(run, 'a'), { dir: join(run, 'stages/a/checkpoints/step-10'), step: 10, parent: 'a/step-10', globalOffset: 25 });
    ck(30, { step: 30 });
    assert.equal(startPoint(run, 'a')!.globalOffset, 30, 'a checkpoint without global_step: its step');
  });

  it('plans each stage where its init stage ends: a chain adds up, branches share their start, unknown ids start at 0', () => {
    const offsets = plannedOffsets([
      { id: 'sft', initFrom: null, steps: 10 },
      { id: 'perception', initFrom: 'sft', steps: 100 },
      { id: 'textual', initFrom: 'perception', steps: 50 },
      { id: 'visual', initFrom: 'perception', steps: 70 },
      { id: 'lost', initFrom: 'nowhere', steps: 5 },
    ]);
    assert.deepEqual([...offsets], [['sft', 0], ['perception', 10], ['textual', 110], ['visual', 110], ['lost', 0]]);
  });
});
