// The config diff between runs: resolved recipes (defaults applied) compared key by key, stages matched by id,
// a stage only one run has as one row; the YAML the diff editor shows carries the defaults.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { configDifferences, flattenConfig, resolvedConfigText } from '../../core/recipe/configDiff';
import type { ResolvedRecipe } from '../../protocol/recipe';

const root = join(__dirname, '../..');
const resolved = (text: string, file = 'r.recipe.yaml'): ResolvedRecipe => {
  const r = validateRecipeText(text, file);
  assert.ok(r.resolved, JSON.stringify(r.problems));
  return r.resolved;
};
const example = (name: string) => resolved(readFileSync(join(root, 'examples', `${name}.recipe.yaml`), 'utf8'), name);

const base = (extra = '', seed = 1) => `name: a
stages:
  - id: warmup
    kind: sft
    steps: 10
    data:
      seed: ${seed}
  - id: perception
    kind: perception
    steps: 5
${extra}`;

describe('config diff between runs', () => {
  it('identical recipes have no differences', () => {
    assert.deepEqual(configDifferences([resolved(base()), resolved(base())]), []);
  });

  it('compares resolved values: an omitted key equals its default written out, a changed one is a row with both values', () => {
    const omitted = resolved(base());
    const explicitDefault = resolved(base('    algorithm:\n      kl_coef: 0.01\n'));
    assert.deepEqual(configDifferences([omitted, explicitDefault]), [], 'kl_coef 0.01 is the default');
    const changed = resolved(base('    algorithm:\n      kl_coef: 0.05\n'));
    assert.deepEqual(configDifferences([omitted, changed]), [{ key: 'stages.perception.algorithm.kl_coef', values: ['0.01', '0.05'] }]);
  });

  it('a stage only one run has is one row (its keys are not listed); shared stages are compared key by key', () => {
    const rows = configDifferences([example('staged'), example('merged')]);
    const keys = rows.map((r) => r.key);
    assert.deepEqual(rows.find((r) => r.key === 'stages.perception')?.values, ['perception · 40 steps', null]);
    assert.deepEqual(rows.find((r) => r.key === 'stages.merged')?.values, [null, 'merged · 120 steps']);
    assert.equal(keys.filter((k) => k.startsWith('stages.perception.') || k.startsWith('stages.merged.')).length, 0, keys.join('\n'));
    assert.deepEqual(rows.find((r) => r.key === 'name')?.values, ['staged', 'merged']);
    // The two warm-ups train the same: only their descriptions differ.
    assert.deepEqual(keys.filter((k) => k.startsWith('stages.warmup.')), ['stages.warmup.description']);
    // Rows come in recipe order: top-level keys before stages, stages in the order they first appear.
    const order = ['name', 'stages.perception', 'stages.textual', 'stages.visual', 'stages.merged'].map((k) => keys.indexOf(k));
    assert.ok(order.every((i, j) => i >= 0 && (j === 0 || i > order[j - 1])), keys.join(', '));
  });

  it('across several runs a key is listed when any run differs; null and lists shown as text, a missing key as null', () => {
    const runs = [resolved(base('', 1)), resolved(base('', 2)), resolved(base('', 1))];
    assert.deepEqual(configDifferences(runs), [{ key: 'stages.warmup.data.seed', values: ['1', '2', '1'] }]);
    const slurm = resolved(base('    init_from: null\n    launch:\n      sbatch_args: ["--qos=low"]\n'));
    const rows = configDifferences([resolved(base()), slurm]);
    assert.deepEqual(rows.find((r) => r.key === 'stages.perception.init_from')?.values, ['warmup', 'null']);
    assert.deepEqual(rows.find((r) => r.key === 'stages.perception.launch.sbatch_args')?.values, [null, '["--qos=low"]']);
  });

  it("the diff editor's text is the resolved recipe (defaults written out), stages in order, identity keys first", () => {
    const text = resolvedConfigText(resolved(base()), 'a/run-1 (resolved)');
    assert.ok(text.startsWith('# a/run-1 (resolved)\nname: a\n'), text.slice(0, 80));
    const back = parse(text) as { stages: Record<string, unknown>[] };
    assert.deepEqual(back.stages.map((s) => Object.keys(s).slice(0, 4)), [['id', 'kind', 'steps', 'init_from'], ['id', 'kind', 'steps', 'init_from']]);
    assert.equal((back.stages[1].algorithm as Record<string, unknown>).kl_coef, 0.01, 'the default is written out');
    assert.equal((back.stages[1].algorithm as Record<string, unknown>).freeze_vision_tower, false);
    assert.equal(back.stages[1].init_from, 'warmup');
    // Every flat key of the table is a path into that text.
    for (const key of flattenConfig(resolved(base())).keys()) {
      const [head, ...rest] = key.split('.');
      let v: unknown = (back as Record<string, unknown>)[head];
      if (head === 'stages') {
        const [id, ...more] = rest;
        v = back.stages.find((s) => s.id === id);
        if (!more.length) continue;
        for (const k of more) v = (v as Record<string, unknown>)[k];
      } else for (const k of rest) v = (v as Record<string, unknown>)[k];
      assert.notEqual(v, undefined, key);
    }
  });

  it('a hostile header cannot add lines to the document', () => {
    assert.equal(resolvedConfigText(resolved(base()), 'x\nname: evil').split('\n')[1], 'name: a');
  });
});
