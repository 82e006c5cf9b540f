// The staged example's mechanism in small: a supervised start on perception and visual-reasoning questions whose
// demonstrations half of the time miss the last object of each group they list (data.perception_slip_rate 0.5:
// "red:12 34=2" written as "red:12=1"), then GRPO on perception questions alone. At the paper's validation
// settings (T 0.6, top-p 0.95), GRPO must cut the share of held-out perception answers that slip and raise their
// reward, paired on the same prompts and sampling seed (95 % lower bound above 0). The same measures on held-out
// visual-reasoning questions — which the GRPO steps never saw, but whose working starts with the same unit — are
// printed (the transfer the experiment measures over seeds), not asserted. Measured: perception slip share
// 0.175 → 0.016, reward +0.170 ± 0.049; on visual reasoning the slip share fell too (0.120 → 0.019) but its reward
// fell (−0.084 ± 0.040: the arithmetic after the unit, not trained here, degraded).
import assert from 'node:assert/strict';
import { backend } from './helpers';
import { resolveRecipe } from '../../protocol/recipe';
import { modelConfigOf } from '../../trainer/model/config';
import { initParams } from '../../trainer/model/vlm';
import { encode } from '../../trainer/model/tokenizer';
import { makePolicy } from '../../trainer/algo/policy';
import { taskGenerator, type TaskExample } from '../../trainer/tasks/index';
import { parsePercepts, thinkOf } from '../../trainer/tasks/percepts';
import { Rng } from '../../trainer/util/rng';
import { pairedGain, showPaired } from './learningPaired';
import { grpoFor, heldOut, promptRewards, sftFor } from './learningLoop';
import { mean } from '../../protocol/stats';

const VAL = { temperature: 0.6, topP: 0.95 };

/** Whether a response states some group without its last object (the habit), among groups that have one. */
function slips(text: string, ex: TaskExample): boolean {
  const stated = parsePercepts(thinkOf(text) ?? '');
  return ex.percepts!.some((p) => p.cells.length > 0 && stated.get(p.subject)?.cells.join() === p.cells.slice(0, -1).join());
}

describe('learning: GRPO on perception trains away the warm-up\'s perceptual slip', function () {
  this.timeout(600000);
  before(backend);

  it('held-out slip share falls and reward rises at the validation settings (paired, 40 steps)', () => {
    const recipe = resolveRecipe({ name: 's', model: { preset: 'small' }, stages: [{ id: 'rl', kind: 'perception', steps: 40, algorithm: { max_response_length: 48 } }] });
    const cfg = modelConfigOf(recipe);
    const reward = recipe.stages[0].reward;
    const opts = { imageSize: cfg.imageSize, maxPromptLength: cfg.maxPromptLength, maxResponseLength: 47, lengthOf: (t: string) => encode(t).length };
    const perception = { ...opts, questions: ['count-color'] };
    const policy = makePolicy(cfg, initParams(cfg, 3), false);
    const rng = new Rng(11);
    sftFor(policy, cfg, taskGenerator('merged', { ...opts, questions: ['count-color', 'add'], slipRate: 0.5 }), 200, rng);

    const sets = {
      perception: taskGenerator('perception', perception).validation(300).filter((e) => e.percepts![0].cells.length > 0),
      visual: taskGenerator('visual-reasoning', { ...opts, questions: ['add'] }).validation(300).filter((e) => e.percepts![0].cells.length > 0),
    };
    const measure = () => Object.fromEntries(Object.entries(sets).map(([k, val]) => {
      const groups = heldOut(policy, cfg, val, reward, 2, VAL);
      return [k, { groups, slip: mean(groups.flatMap((g, i) => g.map((r) => (slips(r.text, val[i]) ? 1 : 0)))) }];
    })) as Record<keyof typeof sets, { groups: ReturnType<typeof heldOut>; slip: number }>;
    const before = measure();
    assert.ok(before.perception.slip > 0.1, `the start has the habit: ${before.perception.slip} of held-out answers slip`);

    grpoFor(policy, cfg, taskGenerator('perception', perception), reward, { steps: 40, prompts: 8, lr: 1e-4, klCoef: 0.02 }, rng);
    const after = measure();
    const paired = pairedGain(promptRewards(before.perception.groups), promptRewards(after.perception.groups));
    const transfer = pairedGain(promptRewards(before.visual.groups), promptRewards(after.visual.groups));
    console.log(`      perception: slip share ${before.perception.slip.toFixed(3)} → ${after.perception.slip.toFixed(3)}; held-out reward ${showPaired(paired)}`);
    console.log(`      visual reasoning (never trained by GRPO here): slip share ${before.visual.slip.toFixed(3)} → ${after.visual.slip.toFixed(3)}; held-out reward ${showPaired(transfer)}`);
    assert.ok(after.perception.slip < before.perception.slip * 0.6, `slip share ${before.perception.slip} → ${after.perception.slip}`);
    assert.ok(paired.gain >= 0.03 && paired.gain - paired.half > 0, `paired gain ${paired.gain} ± ${paired.half}`);
  });
});
