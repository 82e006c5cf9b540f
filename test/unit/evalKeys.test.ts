// Eval file names are built from checkpoint data (meta.json's step and stage): a hostile value can never make
// the eval file resolve outside <run>/evals/ — it is refused with the value named.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalKey, PAPER_VALIDATION } from '../../trainer/eval/spec';
import { externalEval } from '../../trainer/eval/evaluate';

describe('eval keys from checkpoint data', () => {
  const set = { kind: 'generator' as const, generator: 'perception' as const, size: 10 };

  it('takes only a plain step number and a stage that can name a file', () => {
    assert.equal(evalKey({ stage: 'perception', step: 40, set, sampling: PAPER_VALIDATION, seed: 1 }), 'perception.step-40__perception-10__t0.6-p0.95__seed1');
    for (const step of ['1/../../x', -1, 1.5, NaN] as unknown as number[]) {
      assert.throws(() => evalKey({ stage: 'p', step, set, sampling: PAPER_VALIDATION, seed: 1 }), /is not a step number/, String(step));
    }
    assert.throws(() => evalKey({ stage: '///', step: 1, set, sampling: PAPER_VALIDATION, seed: 1 }), /cannot name a file/);
    assert.match(evalKey({ stage: '../x', step: 1, set, sampling: PAPER_VALIDATION, seed: 1 }), /^..-x.step-1__/, 'separators never survive');
  });

  it("an external checkpoint's meta.json step cannot point outside evals/", () => {
    const root = mkdtempSync(join(tmpdir(), 's2t-evalkey-'));
    try {
      const runDir = join(root, 'runs', 'x', 'r1');
      const ck = join(runDir, 'stages', 'p', 'checkpoints', 'step-1');
      mkdirSync(ck, { recursive: true });
      mkdirSync(join(runDir, 'evals', 'p-step-1'), { recursive: true });
      // What the hostile step would reach: runs/x/r1/evals/p-step-1/../../../../outside.jsonl = <root>/outside.jsonl
      writeFileSync(join(root, 'outside.jsonl'), '{"type":"header","checkpoint":"stolen"}\n{"type":"answer","prompt_id":"a","response":"secret","correct":true,"length":1}\n');
      writeFileSync(join(ck, 'meta.json'), JSON.stringify({ trainer: 'easyr1', stage: 'p', step: '1/../../../../outside' }));
      assert.throws(() => externalEval(ck), /meta\.json step "1\/\.\.\/\.\.\/\.\.\/\.\.\/outside" is not a step number/);
      writeFileSync(join(ck, 'meta.json'), JSON.stringify({ trainer: 'easyr1', stage: '../../../../outside', step: 1 }));
      assert.throws(() => externalEval(ck), /must stay in/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
