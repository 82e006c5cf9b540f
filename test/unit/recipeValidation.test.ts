// Every class of bad recipe gets a positioned problem (line:col at the offending key or value).
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { formatProblem } from '../../core/recipe/problems';
import { resolveRecipe, ancestry, type Recipe } from '../../protocol/recipe';

const root = join(__dirname, '../..');

/** Validates YAML text and returns "line:col code" for each problem. */
function problemsOf(text: string, file = 'r.recipe.yaml') {
  return validateRecipeText(text, file).problems.map((p) => `${p.range.start.line}:${p.range.start.col} ${p.code}`);
}

const OK = `name: ok
stages:
  - id: a
    kind: sft
    steps: 3
  - id: b
    kind: perception
    steps: 2
`;

describe('recipe validation', () => {
  it('accepts the shipped examples with no problems', () => {
    for (const f of readdirSync(join(root, 'examples')).filter((f) => /\.recipe\.(ya?ml|json)$/.test(f))) {
      const r = validateRecipeText(readFileSync(join(root, 'examples', f), 'utf8'), f);
      assert.deepEqual(r.problems.filter((p) => p.severity === 'error').map((p) => formatProblem(f, p)), [], f);
      assert.ok(r.resolved, f);
    }
  });

  it('bad YAML: syntax error at its position', () => {
    assert.deepEqual(problemsOf('name: x\nstages:\n  - id: a\n   kind: sft\n'), ['4:1 syntax']);
    assert.deepEqual(problemsOf('name: x\nname: y\nstages: []\n'), ['2:1 syntax']);
  });

  it('empty file and non-object top level', () => {
    assert.deepEqual(problemsOf(''), ['1:1 syntax']);
    assert.deepEqual(problemsOf('just a string\n'), ['1:1 schema/type']);
  });

  it('bad JSON: syntax error, trailing comma, duplicate key', () => {
    assert.deepEqual(problemsOf('{"name": "x", "stages": [}', 'r.recipe.json'), ['1:26 syntax']);
    assert.deepEqual(problemsOf('{"name": "x",\n "stages": [{"id": "a", "kind": "sft", "steps": 1,}]}', 'r.recipe.json'), ['2:51 syntax']);
    assert.deepEqual(problemsOf('{"name": "x", "stages": [{"id": "a", "kind": "sft", "steps": 1}], "name": "y"}', 'r.recipe.json'), ['1:67 syntax']);
  });

  it('wrong types point at the value', () => {
    const text = OK.replace('steps: 3', 'steps: "ten"');
    const r = validateRecipeText(text, 'r.recipe.yaml');
    assert.deepEqual(r.problems.map((p) => `${p.range.start.line}:${p.range.start.col} ${p.message}`),
      ["5:12 stages[0].steps must be integer, got 'ten'"]);
  });

  it('unknown keys point at the key and suggest the closest known key', () => {
    const r = validateRecipeText(OK.replace('    steps: 2\n', '    steps: 2\n    algorithm:\n      lrr: 0.1\n'), 'r.recipe.yaml');
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].code, 'schema/unknown-key');
    assert.equal(`${r.problems[0].range.start.line}:${r.problems[0].range.start.col}`, '10:7');
    assert.match(r.problems[0].message, /unknown key 'lrr' in stages\[1\]\.algorithm \(did you mean 'lr'\?\)/);
    assert.deepEqual(r.problems[0].fix, { replacement: 'lr' });
  });

  it('an unknown enum value suggests the closest one', () => {
    const r = validateRecipeText(OK.replace('kind: perception', 'kind: percepton'), 'r.recipe.yaml');
    assert.match(r.problems[0].message, /did you mean 'perception'/);
    assert.equal(`${r.problems[0].range.start.line}:${r.problems[0].range.start.col}`, '7:11');
  });

  it('missing required keys point at the object that lacks them', () => {
    const r = validateRecipeText(OK.replace('    steps: 2\n', ''), 'r.recipe.yaml');
    assert.deepEqual(r.problems.map((p) => [p.code, p.message, p.range.start.line]), [
      ['schema/missing-key', "missing required key 'steps' in stages[1]", 6],
    ]);
  });

  it('duplicate stage ids: the second id is flagged', () => {
    assert.deepEqual(problemsOf(OK.replace('id: b', 'id: a')), ['6:9 stage/duplicate-id']);
  });

  it('init_from to a later, missing or own stage', () => {
    const later = `name: x\nstages:\n  - id: a\n    kind: sft\n    steps: 1\n    init_from: b\n  - id: b\n    kind: sft\n    steps: 1\n`;
    assert.deepEqual(problemsOf(later), ['6:16 stage/init-from-later']);
    assert.deepEqual(problemsOf(later.replace('init_from: b', 'init_from: zz')), ['6:16 stage/init-from-missing']);
    assert.deepEqual(problemsOf(later.replace('init_from: b', 'init_from: a')), ['6:16 stage/init-from-self']);
  });

  it('negative or zero steps', () => {
    assert.deepEqual(problemsOf(OK.replace('steps: 3', 'steps: -4')), ['5:12 schema/range']);
    assert.deepEqual(problemsOf(OK.replace('steps: 3', 'steps: 0')), ['5:12 schema/range']);
  });

  it('empty stages list', () => {
    assert.deepEqual(problemsOf('name: x\nstages: []\n'), ['2:9 schema/min-items']);
    assert.deepEqual(problemsOf('name: x\n'), ['1:1 schema/missing-key']);
  });

  it('hostile strings: path traversal in names and ids is rejected with an explanation', () => {
    const r = validateRecipeText(OK.replace('name: ok', 'name: "../../etc"').replace('id: a', 'id: "../x"'), 'r.recipe.yaml');
    assert.deepEqual(r.problems.map((p) => p.code), ['schema/pattern', 'schema/pattern']);
    assert.match(r.problems[0].message, /folder name/);
    const long = validateRecipeText(OK.replace('name: ok', `name: ${'a'.repeat(500)}`), 'r.recipe.yaml');
    assert.equal(long.problems[0].code, 'schema/pattern');
  });

  it('hostile strings: control characters in a recipe print escaped, one problem per line', () => {
    const r = validateRecipeText(OK.replace('name: ok', 'name: "x\\e[31m$(rm -rf ~)\\nfake.yaml:1:1: error: y"'), 'r.recipe.yaml');
    const line = formatProblem('r.recipe.yaml', r.problems[0]);
    assert.match(line, /^r\.recipe\.yaml:\d+:\d+: error: name 'x\\u001b\[31m\$\(rm -rf ~\)\\u000afake\.yaml:1:1: err.* is not allowed/);
    assert.doesNotMatch(line, /[\u0000-\u001f]/);
  });

  it('model sizes that must divide', () => {
    const t = OK.replace('stages:', 'model:\n  size: {d_model: 100, n_heads: 3, image_size: 32, patch_size: 5}\nstages:');
    assert.deepEqual(problemsOf(t), ['3:33 model/heads-divide', '3:64 model/patch-divide']);
  });

  it('formats problems as file:line:col: severity: message', () => {
    const r = validateRecipeText(OK.replace('id: b', 'id: a'), 'r.recipe.yaml');
    assert.equal(formatProblem('dir/r.recipe.yaml', r.problems[0]),
      "dir/r.recipe.yaml:6:9: error: duplicate stage id 'a' (first used by stages[0]); stage ids must be unique");
  });
});

describe('recipe resolution', () => {
  it('fills the paper EasyR1 defaults, then defaults:, then the stage', () => {
    const recipe: Recipe = {
      name: 'x',
      defaults: { algorithm: { lr: 1e-4, rollout_n: 8 } },
      stages: [
        { id: 'a', kind: 'sft', steps: 3, algorithm: { lr: 1e-3 } },
        { id: 'b', kind: 'perception', steps: 2 },
        { id: 'c', kind: 'textual-reasoning', steps: 2 },
        { id: 'd', kind: 'visual-reasoning', steps: 2, init_from: 'b' },
      ],
    };
    const r = resolveRecipe(recipe);
    assert.equal(r.model.trainer, 'builtin');
    assert.deepEqual(r.stages.map((s) => s.algorithm.lr), [1e-3, 1e-4, 1e-4, 1e-4]);
    const b = r.stages[1].algorithm;
    assert.deepEqual([b.rollout_n, b.temperature, b.kl_coef, b.kl_penalty, b.clip_ratio_low, b.clip_ratio_high, b.global_batch_size, b.max_grad_norm, b.val_temperature, b.val_top_p, b.val_n],
      [8, 1.0, 1e-2, 'low_var_kl', 0.2, 0.3, 128, 1.0, 0.6, 0.95, 1]);
    assert.deepEqual(r.stages.map((s) => s.initFrom), [null, 'a', 'b', 'b']);
    assert.deepEqual(r.stages.map((s) => s.data.generator), ['merged', 'perception', 'textual-reasoning', 'visual-reasoning']);
    assert.deepEqual(r.stages.map((s) => s.algorithm.freeze_vision_tower), [false, false, true, false]);
    assert.deepEqual(r.stages.map((s) => [s.reward.accuracy_weight, s.reward.format_weight]), Array(4).fill([0.9, 0.1]));
    assert.deepEqual(ancestry(r, 'd').map((s) => s.id), ['a', 'b']);
  });
});
