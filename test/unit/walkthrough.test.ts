// The walkthrough as contributed (package.json): six steps from the examples to the paper's figure, each
// completed by a command the extension contributes, each button a contributed command, each page a file that
// exists; the examples it copies are shipped, and quick-merged is quick's baseline (same warm-up, as many RL steps).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecipeFile } from '../../core/recipe/loadRecipe';
import { EXAMPLE_IDS } from '../../extension/walkthrough/exampleIds';

const ROOT = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const commands = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
const walkthrough = pkg.contributes.walkthroughs.find((w: { id: string }) => w.id === 'see2think.start');
type Step = { id: string; description: string; media: { markdown: string }; completionEvents: string[] };

describe('walkthrough (package.json)', () => {
  it('leads from the examples to the staged-vs-merged figure in six steps', () => {
    assert.deepEqual(walkthrough.steps.map((s: Step) => s.id), ['openExamples', 'runQuick', 'openDashboard', 'openTraces', 'diffCheckpoints', 'compareRuns']);
  });

  it('completes each step by a contributed command, offers contributed commands as buttons, and shows an existing page', () => {
    for (const s of walkthrough.steps as Step[]) {
      assert.ok(s.completionEvents.length, `${s.id} completes on something`);
      for (const e of s.completionEvents) {
        const m = /^onCommand:(.+)$/.exec(e);
        assert.ok(m && commands.has(m[1]), `${s.id}: ${e} is a contributed command`);
      }
      const links = [...s.description.matchAll(/\(command:([\w.]+)(\?[^)]*)?\)/g)];
      assert.ok(links.length, `${s.id} has a button`);
      for (const [, id, args] of links) {
        assert.ok(commands.has(id), `${s.id}: button ${id}`);
        if (args) assert.ok(Array.isArray(JSON.parse(decodeURIComponent(args.slice(1)))), `${s.id}: arguments are a JSON array`);
      }
      assert.ok(existsSync(join(ROOT, s.media.markdown)), s.media.markdown);
    }
  });

  it('copies examples the package ships; quick-merged is quick\'s merged baseline', () => {
    const ignore = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!examples\/\*\.recipe\.yaml$/m, 'examples are in the .vsix');
    for (const id of EXAMPLE_IDS) assert.ok(existsSync(join(ROOT, 'examples', `${id}.recipe.yaml`)), id);
    const quick = loadRecipeFile(join(ROOT, 'examples/quick.recipe.yaml')).resolved;
    const merged = loadRecipeFile(join(ROOT, 'examples/quick-merged.recipe.yaml')).resolved;
    const { index: _a, ...qWarm } = quick.stages[0];
    const { index: _b, ...mWarm } = merged.stages[0];
    assert.deepEqual(mWarm, qWarm, 'the same warm-up');
    assert.equal(merged.stages[1].kind, 'merged');
    assert.equal(merged.stages[1].steps, quick.stages.slice(1).reduce((n, s) => n + s.steps, 0), 'as many RL steps');
    assert.deepEqual(merged.model, quick.model);
    assert.deepEqual(merged.stages[1].algorithm, quick.stages[1].algorithm, 'the RL settings of quick\'s perception stage');
  });
});
