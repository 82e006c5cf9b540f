// The staged example's mechanism in small: a supervised start whose demonstrations take the question's
// shortcut half of the time (data.shortcut_rate 0.5 — here "Add 2 red objects. How many red objects now?"
// answered with the red count alone, never right), then GRPO on the same question. At the paper's validation
// settings (T 0.6, top-p 0.95), GRPO must cut the share of shortcut answers on held-out prompts and raise
// their reward, paired on the same prompts and sampling seed (95 % lower bound above 0). Measured: share
// 0.557 → 0.000, reward +0.123 ± 0.049; with GRPO's advantages zeroed (checked once by hand) 0.557 → 0.545 and
// +0.003 ± 0.026, so the test fails: the start's habit is exactly what the reward has to train away.
import assert from 'node:assert/strict';
import { backend } from './helpers';
import { resolveRecipe } from '../../protocol/recipe';
import { modelConfigOf } from '../../trainer/model/config';
import { initParams } from '../../trainer/model/vlm';
import { encode } from '../../trainer/model/tokenizer';
import { makePolicy } from '../../trainer/algo/policy';
import { taskGenerator } from '../../trainer/tasks/index';
import { Rng } from '../../trainer/util/rng';
import { pairedGain, showPaired } from './learningPaired';
import { grpoFor, heldOut, promptRewards, sftFor } from './learningLoop';
import { mean } from '../../protocol/stats';

const VAL = { temperature: 0.6, topP: 0.95 };
/** The 'add' shortcut's working is the bare count ("red=2"); the full working adds ("red=2 2+2=4"). */
const isShortcut = (text: string): boolean => /^<think>[a-z]+=\d+<\/think>/.test(text);

describe('learning: GRPO trains away the warm-up\'s shortcut', function () {
  this.timeout(600000);
  before(backend);

  it('held-out shortcut share falls and reward rises at the validation settings (paired, 40 steps)', () => {
    const recipe = resolveRecipe({ name: 's', model: { preset: 'small' }, stages: [{ id: 'rl', kind: 'visual-reasoning', steps: 40, algorithm: { max_response_length: 48 } }] });
    const cfg = modelConfigOf(recipe);
    const reward = recipe.stages[0].reward;
    const opts = { imageSize: cfg.imageSize, maxPromptLength: cfg.maxPromptLength, maxResponseLength: 47, lengthOf: (t: string) => encode(t).length, questions: ['add'] };
    const policy = makePolicy(cfg, initParams(cfg, 3), false);
    const rng = new Rng(11);
    sftFor(policy, cfg, taskGenerator('visual-reasoning', { ...opts, shortcutRate: 0.5 }), 200, rng);

    const val = taskGenerator('visual-reasoning', opts).validation(300);
    const before = heldOut(policy, cfg, val, reward, 2, VAL);
    const shortcutShare = (groups: typeof before) => mean(groups.flat().map((r) => (isShortcut(r.text) ? 1 : 0)));
    const shareBefore = shortcutShare(before);
    assert.ok(shareBefore > 0.25, `the start has the habit: ${shareBefore} of held-out answers are shortcuts`);

    grpoFor(policy, cfg, taskGenerator('visual-reasoning', opts), reward, { steps: 40, prompts: 8, lr: 1e-4, klCoef: 0.02 }, rng);
    const after = heldOut(policy, cfg, val, reward, 2, VAL);
    const shareAfter = shortcutShare(after);
    const paired = pairedGain(promptRewards(before), promptRewards(after));
    console.log(`      shortcut share ${shareBefore.toFixed(3)} → ${shareAfter.toFixed(3)}; held-out reward ${showPaired(paired)}`);
    assert.ok(shareAfter < shareBefore * 0.6, `shortcut share ${shareBefore} → ${shareAfter}`);
    assert.ok(paired.gain >= 0.03 && paired.gain - paired.half > 0, `paired gain ${paired.gain} ± ${paired.half}`);
  });
});
