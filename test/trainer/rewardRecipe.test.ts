// A recipe's reward settings are checked before a run: an invalid format_pattern is a positioned error, and a
// pattern no well-formed response can match is a positioned warning.
import { strict as assert } from 'node:assert';
import { resolveRecipe, type Recipe } from '../../protocol/recipe';
import { parseRecipeSource } from '../../core/recipe/sourceMap';
import { formatProblem } from '../../core/recipe/problems';
import { checkRewardPattern } from '../../core/recipe/checks/rewardCheck';

function check(yaml: string): string[] {
  const src = parseRecipeSource(yaml, 'r.recipe.yaml');
  const recipe = src.value as Recipe;
  return checkRewardPattern({ src, recipe, resolved: resolveRecipe(recipe), env: {} }).map((p) => `${p.code} ${formatProblem('r.recipe.yaml', p)}`);
}

describe('recipe check: reward format_pattern', () => {
  it('reports an invalid regular expression at its line, once for all stages that inherit it', () => {
    const out = check([
      'name: x',
      'defaults:',
      '  reward:',
      '    format_pattern: "<think>(.*</think>"',
      'stages:',
      '  - { id: a, kind: perception, steps: 1 }',
      '  - { id: b, kind: visual-reasoning, steps: 1 }',
    ].join('\n'));
    assert.equal(out.length, 1);
    assert.match(out[0], /^reward\/bad-pattern r\.recipe\.yaml:4:21: error: reward\.format_pattern "<think>\(\.\*<\/think>" is not a valid regular expression: .* in stages 'a', 'b'$/);
  });

  it('warns when even a correct response fails the pattern; accepts the default, the paper pattern and r1v', () => {
    const out = check([
      'name: x',
      'stages:',
      '  - id: a',
      '    kind: perception',
      '    steps: 1',
      '    reward: { format_pattern: "<answer>.*</answer>" }',
      '  - { id: b, kind: perception, steps: 1, reward: { format_pattern: "<think>.*</think>.*\\\\\\\\boxed\\\\{.*\\\\}.*" } }',
      '  - { id: c, kind: perception, steps: 1, reward: { name: r1v } }',
      '  - { id: d, kind: perception, steps: 1 }',
    ].join('\n'));
    assert.equal(out.length, 1, out.join('\n'));
    assert.match(out[0], /^reward\/pattern-never-matches r\.recipe\.yaml:6:31: warning: format_pattern does not match a well-formed math response .* in stage 'a'/);
  });
});
