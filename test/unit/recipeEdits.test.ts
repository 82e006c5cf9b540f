// The text edits behind quick fixes: applied to real recipes, the problem is gone, nothing else changed
// (comments and layout kept), and the result validates.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import {
  applyEdits, insertKeyEdit, missingKeyValue, reorderStagesEdit, replaceScalarEdit, withRecipeName,
} from '../../core/recipe/language/edits';
import { schemaOwner, showsProblem } from '../../extension/recipes/schemaOwner';

const codes = (text: string, file = 'r.recipe.yaml') => validateRecipeText(text, file).problems.map((p) => p.code);

/** Applies the fix of the first problem with `code`, as the quick fix does. */
function fix(text: string, code: string, file = 'r.recipe.yaml'): string {
  const r = validateRecipeText(text, file);
  const p = r.problems.find((q) => q.code === code);
  assert.ok(p, `${code} in ${JSON.stringify(r.problems.map((q) => q.code))}`);
  const format = file.endsWith('.json') ? 'json' : 'yaml';
  if (code === 'stage/paper-order') return applyEdits(text, [reorderStagesEdit(text, file, p.fix!.order as number[])!]);
  if (code === 'schema/missing-key') {
    const key = p.fix!.insertKey!;
    return applyEdits(text, [insertKeyEdit(text, file, p.path, key, missingKeyValue(r.src.value, p.path, key, file))!]);
  }
  return applyEdits(text, [replaceScalarEdit(text, p.range, p.fix!.replacement!, format)]);
}

describe('quick-fix edits', () => {
  it('unknown key → the closest known key, in place', () => {
    const text = 'name: x\nstages:\n  - id: a\n    kind: sft\n    steps: 1\n    algorithm:\n      lrr: 0.1 # keep me\n';
    const out = fix(text, 'schema/unknown-key');
    assert.equal(out, text.replace('lrr:', 'lr:'));
    assert.deepEqual(codes(out), []);
  });

  it('bad enum value → the closest, keeping its quotes (YAML and JSON)', () => {
    const y = 'name: x\nstages:\n  - id: a\n    kind: "percepton"\n    steps: 1\n';
    assert.equal(fix(y, 'schema/enum'), y.replace('"percepton"', '"perception"'));
    const j = '{"name": "x", "stages": [{"id": "a", "kind": "sfft", "steps": 1}]}';
    const out = fix(j, 'schema/enum', 'r.recipe.json');
    assert.equal(out, j.replace('"sfft"', '"sft"'));
    assert.deepEqual(codes(out, 'r.recipe.json'), []);
  });

  it('missing required keys are inserted with sensible values until the recipe is valid', () => {
    let text = 'description: empty so far\n';
    for (let i = 0; i < 5 && codes(text).length; i++) text = fix(text, 'schema/missing-key', 'my lab.recipe.yaml');
    assert.equal(text, 'name: my-lab\ndescription: empty so far\nstages:\n  - id: perception\n    kind: perception\n    steps: 90\n');
  });

  it('a stage missing steps gets the paper\'s length for its kind, after its last key even when that is a block', () => {
    const text = 'name: x\nstages:\n  - id: t\n    kind: textual-reasoning\n    algorithm:\n      lr: 1.0e-4   # c\n  - id: v\n    kind: visual-reasoning\n    steps: 3\n';
    const out = fix(text, 'schema/missing-key');
    assert.equal(out, text.replace('      lr: 1.0e-4   # c\n', '      lr: 1.0e-4   # c\n    steps: 375\n'));
    assert.deepEqual(codes(out), []);
  });

  it('a stage missing its id gets one at the front; flow maps and JSON objects get keys too', () => {
    const out = fix('name: x\nstages:\n  - kind: visual-reasoning\n    steps: 3\n', 'schema/missing-key');
    assert.equal(out, 'name: x\nstages:\n  - id: visual\n    kind: visual-reasoning\n    steps: 3\n');
    const flow = fix('name: x\nstages:\n  - {id: a, kind: perception}\n', 'schema/missing-key');
    assert.equal(flow, 'name: x\nstages:\n  - {id: a, kind: perception, steps: 90}\n');
    const json = '{\n  "name": "x",\n  "stages": [\n    {\n      "id": "a",\n      "kind": "sft"\n    }\n  ]\n}\n';
    const j = fix(json, 'schema/missing-key', 'r.recipe.json');
    assert.equal(j, json.replace('"kind": "sft"', '"kind": "sft",\n      "steps": 100'));
  });

  it('reorders stages into the paper\'s order, keeping comments and rewriting chained init_from', () => {
    const text = readFileSync(join(__dirname, '../fixtures/recipes/order.recipe.yaml'), 'utf8');
    const out = fix(text, 'stage/paper-order');
    assert.equal(out, `name: order
stages:
  - id: warmup
    kind: sft
    steps: 40
    init_from: null
  - id: perception
    kind: perception
    steps: 10
  - id: textual
    kind: textual-reasoning
    steps: 10
    init_from: perception
  # reasoning first: the order the paper found worse
  - id: visual
    kind: visual-reasoning
    steps: 10
`);
    assert.deepEqual(codes(out), []);
    const r = validateRecipeText(out, 'order.recipe.yaml');
    assert.deepEqual(r.resolved!.stages.map((s) => `${s.id}<-${s.initFrom}`), ['warmup<-null', 'perception<-warmup', 'textual<-perception', 'visual<-textual']);
  });

  it('reorders JSON stages in their slots; a stage that becomes first starts from the base model', () => {
    const text = readFileSync(join(__dirname, '../fixtures/recipes/order.recipe.json'), 'utf8');
    const out = fix(text, 'stage/paper-order', 'order.recipe.json');
    const r = validateRecipeText(out, 'order.recipe.json');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.resolved!.stages.map((s) => `${s.id}<-${s.initFrom}`), ['perception<-null', 'textual<-perception', 'visual<-textual']);
    assert.equal(out.split('\n').length, text.split('\n').length, 'one stage per line, as written');
  });

  it('a file without a final newline stays without one', () => {
    const text = 'name: x\nstages:\n  - id: v\n    kind: visual-reasoning\n    steps: 1\n  - id: p\n    kind: perception\n    steps: 1';
    const out = fix(text, 'stage/paper-order');
    assert.equal(out, 'name: x\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n  - id: v\n    kind: visual-reasoning\n    steps: 1');
  });

  it('withRecipeName sets the name of a template, quoting when needed', () => {
    assert.equal(withRecipeName('# c\nname: staged # n\nstages: []\n', 'my-run.2'), '# c\nname: my-run.2 # n\nstages: []\n');
    assert.equal(withRecipeName('name: "x"\n', 'null'), 'name: "null"\n');
  });
});

describe('schema owner (who shows schema-only problems)', () => {
  it('us for YAML, the JSON service for JSON, Red Hat YAML only where it has a schema for the file', () => {
    assert.equal(schemaOwner({ format: 'yaml', text: 'name: x', redhatYaml: false }), 'see2think');
    assert.equal(schemaOwner({ format: 'json', text: '{}', redhatYaml: false }), 'json-service');
    assert.equal(schemaOwner({ format: 'yaml', text: 'name: x', redhatYaml: true }), 'see2think', 'we contribute no yamlValidation');
    const modeline = '# yaml-language-server: $schema=../protocol/recipe.schema.json\nname: x\n';
    assert.equal(schemaOwner({ format: 'yaml', text: modeline, redhatYaml: true }), 'redhat-yaml');
    assert.equal(schemaOwner({ format: 'yaml', text: modeline, redhatYaml: false }), 'see2think');
    assert.equal(schemaOwner({ format: 'yaml', text: 'name: x', redhatYaml: true, yamlSchemas: { './s.json': ['*.recipe.yaml'] } }), 'redhat-yaml');
    assert.equal(schemaOwner({ format: 'yaml', text: 'name: x', redhatYaml: true, yamlSchemas: { k8s: '*.k8s.yaml' } }), 'see2think');
  });

  it('another owner keeps syntax and schema problems; semantic ones are always ours', () => {
    assert.equal(showsProblem('json-service', 'schema/unknown-key'), false);
    assert.equal(showsProblem('redhat-yaml', 'syntax'), false);
    assert.equal(showsProblem('json-service', 'stage/paper-order'), true);
    assert.equal(showsProblem('see2think', 'schema/enum'), true);
  });
});

describe('New Recipe templates (media/templates)', () => {
  const dir = join(__dirname, '../../media/templates');
  const files = readdirSync(dir).filter((f) => f.endsWith('.recipe.yaml')).sort();

  it('has the four templates', () => {
    assert.deepEqual(files, ['easyr1.recipe.yaml', 'merged.recipe.yaml', 'quick.recipe.yaml', 'staged.recipe.yaml']);
  });

  for (const f of files) {
    it(`${f} is a valid recipe (schema and semantics; data files may be missing only on SLURM)`, () => {
      const r = validateRecipeText(readFileSync(join(dir, f), 'utf8'), f, { recipeDir: dir, fileExists: () => false, which: () => '/usr/bin/python3' });
      assert.deepEqual(r.problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
      assert.deepEqual(r.problems.filter((p) => p.code !== 'file/missing'), []);
      assert.ok(r.resolved);
    });
  }

  it('staged follows the paper\'s order; easyr1 has its stage lengths and EasyR1 defaults', () => {
    const kinds = (f: string) => validateRecipeText(readFileSync(join(dir, f), 'utf8'), f).resolved!.stages.map((s) => s.kind);
    assert.deepEqual(kinds('staged.recipe.yaml'), ['sft', 'perception', 'textual-reasoning', 'visual-reasoning']);
    assert.deepEqual(kinds('merged.recipe.yaml'), ['sft', 'merged']);
    const e = validateRecipeText(readFileSync(join(dir, 'easyr1.recipe.yaml'), 'utf8'), 'e.recipe.yaml').resolved!;
    assert.equal(e.model.trainer, 'easyr1');
    assert.deepEqual(e.stages.map((s) => s.steps), [90, 375, 465]);
    assert.deepEqual(e.stages.map((s) => s.algorithm.freeze_vision_tower), [false, true, false]);
    assert.ok(e.stages.every((s) => s.launch.target === 'slurm' && s.algorithm.rollout_n === 5 && s.algorithm.lr === 1e-6));
  });
});
