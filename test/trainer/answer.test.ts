// The evaluation library API: a saved checkpoint answers task examples reproducibly (same seed → same text),
// greedy ignores the seed, n gives n responses, and a scene of the wrong size is a clear error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend, smallConfig, halfImage } from './helpers';
import { initParams, disposeParams } from '../../trainer/model/vlm';
import { saveCheckpoint } from '../../trainer/model/checkpoint';
import { answerWithCheckpoint, taskOptionsForCheckpoint } from '../../trainer/model/answer';
import type { TaskExample } from '../../trainer/tasks/types';

describe('answerWithCheckpoint', () => {
  let dir: string;
  const cfg = smallConfig();
  const examples: TaskExample[] = [
    { id: 'a', task: 'perception', prompt: 'Left colour?', image: halfImage(true), answer: 'red', demonstration: '<think>red</think> \\boxed{red}' },
    { id: 'b', task: 'textual-reasoning', prompt: '2+2?', answer: '4', demonstration: '<think>2+2=4</think> \\boxed{4}' },
  ];
  before(async () => {
    await backend();
    dir = mkdtempSync(join(tmpdir(), 's2t-answer-'));
    const params = initParams(cfg, 4);
    saveCheckpoint({ dir, cfg, params, meta: { step: 1, stage: 's', time: 'now', parent: null } });
    disposeParams(params);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is reproducible for a seed, differs across seeds, and greedy ignores the seed', async () => {
    const s = { temperature: 1, top_p: 0.95, n: 3, seed: 5, max_length: 12 };
    const a = await answerWithCheckpoint(dir, examples, s);
    assert.deepEqual(a.map((x) => x.id), ['a', 'b']);
    assert.equal(a[0].responses.length, 3);
    assert.ok(a[0].responses.every((r) => r.length >= 1 && r.length <= 12 && (r.finished || r.length === 12)));
    assert.deepEqual(await answerWithCheckpoint(dir, examples, s), a);
    assert.notDeepEqual(await answerWithCheckpoint(dir, examples, { ...s, seed: 6 }), a);
    const g1 = await answerWithCheckpoint(dir, examples, { ...s, greedy: true, n: 1 });
    const g2 = await answerWithCheckpoint(dir, examples, { ...s, greedy: true, n: 1, seed: 99 });
    assert.deepEqual(g1, g2);
  });

  it('reports the task options that fit the model, and rejects a scene of another size', async () => {
    const o = taskOptionsForCheckpoint(dir, 40);
    assert.equal(o.imageSize, 16);
    assert.equal(o.maxPromptLength, cfg.maxPromptLength);
    assert.equal(o.lengthOf!('<think>'), 1);
    const big = { ...examples[0], image: { size: 32, rgb: new Uint8Array(32 * 32 * 3) } };
    await assert.rejects(answerWithCheckpoint(dir, [big], { temperature: 1, top_p: 1, n: 1, seed: 1, max_length: 4 }), /32x32 pixels but the model takes 16x16/);
  });
});
