// Schema navigation and the completion lists built from it: only keys still allowed, enum values with their
// meanings, defaults as snippet placeholders, init_from offering only earlier stages, and hover text.
import { strict as assert } from 'node:assert';
import { completionsAt } from '../../core/recipe/language/completions';
import { docAt, formatNumber, hoverMarkdown, keysAt, remainingKeys, schemaAt, typeLabel, yamlScalar } from '../../core/recipe/language/schemaNav';
import { recipeSchema } from '../../protocol/recipe';
import { parse } from 'yaml';

function complete(marked: string, file = 'r.recipe.yaml', schemaItems = true) {
  const offset = marked.indexOf('¦');
  return completionsAt(marked.slice(0, offset) + marked.slice(offset + 1), offset, file, { schemaItems });
}
const labels = (marked: string, file?: string, schemaItems?: boolean) => complete(marked, file, schemaItems).map((c) => c.label);

describe('schema navigation', () => {
  it('follows $ref, items and additionalProperties', () => {
    assert.equal(schemaAt(['stages', 3, 'algorithm', 'lr'])?.default, 1e-6);
    assert.deepEqual(schemaAt(['stages', 0, 'kind'])?.enum, recipeSchema.definitions.stageKind.enum);
    assert.equal(schemaAt(['model', 'env', 'ANY_NAME'])?.type, 'string');
    assert.equal(schemaAt(['stages', 0, 'nonsense']), undefined);
    assert.equal(schemaAt(['name', 'deeper']), undefined);
  });

  it('lists the keys of an object, required first, and what is still allowed', () => {
    assert.deepEqual(keysAt(['stages', 0]).slice(0, 3).map((k) => [k.key, k.required]), [['id', true], ['kind', true], ['steps', true]]);
    assert.deepEqual(keysAt([]).slice(0, 2).map((k) => k.key), ['name', 'stages']);
    const left = remainingKeys(['defaults'], ['algorithm']).map((k) => k.key);
    assert.deepEqual(left, ['reward', 'launch']);
    assert.deepEqual(keysAt(['stages', 0, 'steps']), [], 'a scalar has no keys');
  });

  it('describes a key with its type, default and the paper value', () => {
    const d = docAt(['defaults', 'algorithm', 'kl_coef'])!;
    assert.equal(d.type, 'number ≥ 0 ≤ 10');
    assert.equal(d.default, 0.01);
    assert.equal(d.paper, 0.01);
    assert.equal(typeLabel(schemaAt(['stages', 0, 'init_from'])), 'string | null');
    assert.equal(typeLabel(schemaAt(['launch']) ?? schemaAt(['stages', 0, 'launch', 'sbatch_args'])), 'list of string');
  });

  it('writes numbers and strings the way both YAML 1.1 and 1.2 read them', () => {
    assert.equal(formatNumber(1e-6), '1.0e-6');
    assert.equal(formatNumber(2.5e-5), '2.5e-5');
    assert.equal(formatNumber(0.95), '0.95');
    assert.equal(formatNumber(512), '512');
    assert.equal(yamlScalar('grpo'), 'grpo');
    assert.equal(yamlScalar('null'), '"null"');
    assert.equal(yamlScalar('04:00:00'), '"04:00:00"');
    assert.equal(yamlScalar('<think>.*</think>'), '"<think>.*</think>"');
  });

  it('hover text: key, type, default, paper value, description, and an enum value\'s meaning', () => {
    const md = hoverMarkdown(['stages', 0, 'algorithm', 'rollout_n'])!;
    assert.match(md, /^\*\*rollout_n\*\* · `integer ≥ 1 ≤ 64` · default `5` · paper: `5`/);
    assert.match(md, /GRPO group size/);
    const kind = hoverMarkdown(['stages', 1, 'kind'], 'textual-reasoning')!;
    assert.match(kind, /`textual-reasoning`: RL on text-only reasoning/);
    assert.doesNotMatch(hoverMarkdown(['stages', 0, 'algorithm', 'lr'], undefined, { withDescription: false })!, /Adam/);
    assert.equal(hoverMarkdown(['stages', 0, 'nonsense']), undefined);
  });
});

describe('completion lists', () => {
  const STAGES = 'name: x\nstages:\n  - id: warmup\n    kind: sft\n    steps: 2\n  - id: perception\n    kind: perception\n    steps: 2\n';

  it('keys of a stage: only those not written yet', () => {
    const got = labels(STAGES + '  - id: visual\n    ¦\n');
    assert.ok(got.includes('kind') && got.includes('steps') && got.includes('init_from') && got.includes('algorithm'));
    assert.ok(!got.includes('id'), 'id is already written');
    assert.ok(!got.includes('lr'), 'algorithm keys belong one level down');
  });

  it('top-level keys: the ones used are gone', () => {
    const got = labels(STAGES + '¦');
    assert.deepEqual(got.filter((k) => ['name', 'stages'].includes(k)), []);
    assert.ok(got.includes('model') && got.includes('defaults') && got.includes('runs_dir'));
  });

  it('init_from offers only the ids of earlier stages, plus null, the stage before first', () => {
    const items = complete(STAGES + '  - id: visual\n    kind: visual-reasoning\n    init_from: ¦\n  - id: later\n    kind: sft\n    steps: 1\n');
    assert.deepEqual(items.map((c) => c.label), ['warmup', 'perception', 'null']);
    const pre = items.find((c) => c.preselect)!;
    assert.equal(pre.label, 'perception');
    const first = labels('name: x\nstages:\n  - id: a\n    init_from: ¦\n');
    assert.deepEqual(first, ['null'], 'the first stage can only start from the base model');
  });

  it('enum values with their meanings: stage kinds, trainer kinds, launch targets, reward names', () => {
    const kinds = complete(STAGES.replace('kind: perception', 'kind: ¦'));
    assert.deepEqual(kinds.map((c) => c.label), ['sft', 'perception', 'textual-reasoning', 'visual-reasoning', 'merged']);
    assert.match(kinds[1].documentation, /stage 1/);
    assert.deepEqual(labels('name: x\nmodel:\n  trainer: ¦\n'), ['builtin', 'easyr1', 'verl', 'trl', 'command']);
    assert.deepEqual(labels('name: x\ndefaults:\n  launch:\n    target: ¦\n'), ['local', 'slurm']);
    assert.deepEqual(labels('name: x\ndefaults:\n  reward:\n    name: ¦\n'), ['math', 'r1v']);
  });

  it("schema defaults become snippet placeholders; objects open a block and ask again", () => {
    const items = complete('name: x\nstages:\n  - id: a\n    kind: sft\n    steps: 1\n    algorithm:\n      ¦\n');
    const lr = items.find((c) => c.label === 'lr')!;
    assert.equal(lr.insertText, 'lr: ${1:1.0e-6}');
    assert.match(lr.documentation, /paper: `1.0e-6`/);
    assert.equal(items.find((c) => c.label === 'kl_penalty')!.insertText, 'kl_penalty: ${1|low_var_kl,kl,abs,mse|}');
    assert.equal(items.find((c) => c.label === 'val_before_train')!.insertText, 'val_before_train: ${1|true,false|}');
    const fmt = complete('name: x\ndefaults:\n  reward:\n    ¦\n').find((c) => c.label === 'format_pattern')!;
    // Expanded by the editor (placeholder unescaped) and read back by YAML, it is exactly the schema default.
    const expanded = fmt.insertText.replace(/^format_pattern: \$\{1:(.*)\}$/s, '$1').replace(/\\([\\$}])/g, '$1');
    assert.equal(parse(`format_pattern: ${expanded}`).format_pattern, recipeSchema.definitions.reward.properties.format_pattern.default);
    const model = complete('name: x\n¦').find((c) => c.label === 'model')!;
    assert.equal(model.insertText, 'model:\n\t$0');
    assert.equal(model.retrigger, true);
    const stageInit = complete(STAGES + '  - id: v\n    ¦\n').find((c) => c.label === 'init_from')!;
    assert.equal(stageInit.insertText, 'init_from: ${1|perception,warmup,null|}');
  });

  it('completing a key that already has its colon inserts the name only', () => {
    const items = complete('name: x\nmodel:\n  tr¦: builtin\n');
    assert.equal(items.find((c) => c.label === 'trainer')!.insertText, 'trainer');
  });

  it('JSON: only what the JSON service cannot know (init_from ids), quoted', () => {
    const json = '{"name": "x", "stages": [{"id": "a", "kind": "sft", "steps": 1}, {"id": "b", "init_from": "¦"}, {"id": "c"}]}';
    const items = complete(json, 'r.recipe.json', false);
    assert.deepEqual(items.map((c) => c.label), ['a'], 'null is offered by the JSON service from the schema');
    assert.equal(items[0].insertText, '"a"');
    assert.deepEqual(labels('{"name": "x", "stages": [{"id": "a", "kind": "¦"}]}', 'r.recipe.json', false), [], 'enums are the JSON service\'s');
  });

  it('YAML with another schema owner: keys and enums left to it, init_from still ours', () => {
    assert.deepEqual(labels('name: x\nmodel:\n  ¦\n', 'r.recipe.yaml', false), []);
    assert.deepEqual(labels('name: x\nstages:\n  - id: a\n  - id: b\n    init_from: ¦\n', 'r.recipe.yaml', false), ['a']);
  });

  it('a list of scalars after "- ": values, not keys', () => {
    assert.deepEqual(labels('name: x\nstages:\n  - id: a\n    kind: ¦\n').length, 5);
    assert.deepEqual(labels('name: x\ndefaults:\n  launch:\n    sbatch_args:\n      - ¦\n'), []);
  });
});
