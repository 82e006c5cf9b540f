// The semantic checks against the corpus of broken recipes (test/fixtures/recipes/, expected.json lists
// every problem as "line:col severity code"), with the real file system and PATH, plus the rules one by one.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { defaultCheckEnvironment } from '../../core/recipe/environment';
import { paperOrder } from '../../core/recipe/checks/stageOrder';
import type { CheckEnvironment } from '../../core/recipe/checks/context';

const dir = join(__dirname, '../fixtures/recipes');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, string[]>;

function problems(text: string, env: CheckEnvironment = {}, file = 'r.recipe.yaml') {
  return validateRecipeText(text, file, env).problems;
}

describe('recipe corpus (test/fixtures/recipes)', () => {
  const files = readdirSync(dir).filter((f) => /\.recipe\.(ya?ml|json)$/.test(f)).sort();

  it('lists every fixture in expected.json', () => {
    assert.deepEqual(Object.keys(expected).sort(), files);
  });

  for (const f of files) {
    it(`${f}: ${expected[f]?.length ? expected[f].join(', ') : 'no problems'}`, () => {
      const got = validateRecipeText(readFileSync(join(dir, f), 'utf8'), f, defaultCheckEnvironment(dir)).problems;
      assert.deepEqual(got.map((p) => `${p.range.start.line}:${p.range.start.col} ${p.severity} ${p.code}`), expected[f]);
    });
  }
});

const BASE = `name: x
stages:
  - id: perception
    kind: perception
    steps: 10
`;

describe('semantic checks', () => {
  it('batch sizes: global_batch_size must divide rollout_batch_size (stage value wins over defaults)', () => {
    const text = BASE + '    algorithm:\n      rollout_batch_size: 10\n      global_batch_size: 4\n';
    const [p] = problems(text);
    assert.equal(p.code, 'batch/divide');
    assert.match(p.message, /global_batch_size \(4\) must divide rollout_batch_size \(10\) in stage 'perception'/);
    assert.deepEqual(p.path, ['stages', 0, 'algorithm', 'global_batch_size']);
    const larger = problems(BASE + '    algorithm:\n      rollout_batch_size: 8\n');
    assert.match(larger[0].message, /global_batch_size \(128\) is larger than rollout_batch_size \(8\)/);
    assert.deepEqual(larger[0].path, ['stages', 0, 'kind'], 'the schema default is written nowhere: point at the stage');
    assert.deepEqual(problems(BASE.replace('kind: perception', 'kind: sft') + '    algorithm:\n      rollout_batch_size: 8\n'), [], 'SFT has no rollouts');
  });

  it('data.perception_slip_rate / recheck_rate outside a built-in sft stage is a warning that it does nothing, at the value', () => {
    const [p, ...rest] = problems(BASE + '    data:\n      perception_slip_rate: 0.5\n');
    assert.equal(rest.length, 0);
    assert.deepEqual([p.severity, p.code, p.path], ['warning', 'data/demonstration-style-unused', ['stages', 0, 'data', 'perception_slip_rate']]);
    assert.match(p.message, /no effect here: stage 'perception' is perception \(RL learns from rewards/);
    assert.equal(p.range.start.line, 7, "1-based: the perception_slip_rate line");
    assert.deepEqual(problems(BASE.replace('kind: perception', 'kind: sft') + '    data:\n      perception_slip_rate: 0.5\n      recheck_rate: 0.3\n'), [], 'a built-in sft stage uses them');
    assert.deepEqual(problems(BASE + '    data:\n      perception_slip_rate: 0\n'), [], 'zero is the default: nothing to say');
    assert.deepEqual(problems(BASE + '    data:\n      recheck_rate: 0.3\n').map((x) => x.path.at(-1)), ['recheck_rate']);
  });

  it('one problem per place, naming every stage that inherits the setting', () => {
    const text = `name: x\ndefaults:\n  algorithm:\n    rollout_batch_size: 12\n    global_batch_size: 8\n${BASE.split('\n').slice(1).join('\n')}  - id: textual\n    kind: textual-reasoning\n    steps: 10\n`;
    const ps = problems(text);
    assert.equal(ps.length, 1);
    assert.match(ps[0].message, /in stages 'perception', 'textual'/);
  });

  it('GPUs: responses per update that do not split over the GPUs (external trainers only)', () => {
    const text = `name: x\nmodel:\n  trainer: easyr1\n  cwd: EasyR1\n  config: base.yaml\ndefaults:\n  algorithm:\n    global_batch_size: 128\n    rollout_n: 5\n  launch:\n    target: slurm\n    gpus: 6\n${BASE.split('\n').slice(1).join('\n')}`;
    const ps = problems(text);
    assert.deepEqual(ps.map((p) => p.code), ['batch/gpus']);
    assert.match(ps[0].message, /128 × 5 = 640 responses per update\) does not split evenly over 6 GPUs/);
    assert.deepEqual(problems(text.replace('gpus: 6', 'gpus: 8')), []);
  });

  it('files: relative to the recipe, hub ids skipped for external trainers, warnings on SLURM', () => {
    const seen: string[] = [];
    const env: CheckEnvironment = { recipeDir: '/r', fileExists: (p) => (seen.push(p), p === '/r/data/ok.jsonl'), which: () => '/usr/bin/python3' };
    const text = `name: x\nmodel:\n  trainer: trl\n  script: train.py\n  path: m\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n    data:\n      file: data/ok.jsonl\n      val_file: org/set@test\n`;
    const ps = problems(text, env);
    // (TRL reads training and validation as one dataset: a Hub split next to a local file is refused too.)
    assert.deepEqual(ps.map((p) => `${p.severity} ${p.code} ${p.path.join('.')}`), ['warning external/trl-reward model.script', 'error file/missing model.script', 'error external/trl-data stages.0.data.val_file']);
    assert.deepEqual(seen.sort(), ['/r/data/ok.jsonl', '/r/train.py']);
    const builtin = problems(`name: x\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n    data:\n      file: org/set\n`, env);
    assert.equal(builtin[0]?.code, 'file/missing', 'the built-in trainer reads files only: no hub ids');
  });

  it('executables: the interpreter on PATH, a relative command from the recipe folder and model.cwd', () => {
    const asked: string[] = [];
    const env: CheckEnvironment = { recipeDir: '/r', fileExists: () => true, which: (c) => (asked.push(c), undefined) };
    const cmd = problems(`name: x\nmodel:\n  trainer: command\n  cwd: tools\n  command: [bin/train, --x]\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n`, env);
    assert.deepEqual(asked, ['/r/tools/bin/train']);
    assert.match(cmd[0].message, /command 'bin\/train' not found \(looked for \/r\/tools\/bin\/train\)/);
    asked.length = 0;
    const py = problems(`name: x\nmodel:\n  trainer: easyr1\n  cwd: EasyR1\n  config: base.yaml\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n    launch:\n      target: slurm\n`, env);
    assert.deepEqual(asked, ['python3']);
    assert.deepEqual(py.map((p) => `${p.severity} ${p.path.join('.')}`), ['warning model.trainer'], 'SLURM: may exist on the nodes');
    assert.match(py[0].message, /Python interpreter 'python3' not found on PATH on this machine \(fine if the SLURM nodes see it\)/);
    const none = problems(`name: x\nmodel:\n  trainer: command\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n`, env);
    assert.deepEqual(none.map((p) => p.code), ['trainer/command-missing']);
  });

  it('the checks that need the outside world stay silent without it (as when a run opens its frozen recipe)', () => {
    assert.deepEqual(problems(`name: x\nmodel:\n  trainer: command\n  command: [nope]\nstages:\n  - id: p\n    kind: perception\n    steps: 1\n    data:\n      file: nope.jsonl\n`), []);
  });

  it('paper order: a gentle warning at the first stage out of order, citing the −4.6 point result, with the order to fix it', () => {
    const text = BASE.replace('id: perception\n    kind: perception', 'id: visual\n    kind: visual-reasoning') +
      '  - id: perception\n    kind: perception\n    steps: 10\n  - id: textual\n    kind: textual-reasoning\n    steps: 10\n';
    const [p, ...rest] = problems(text);
    assert.equal(rest.length, 0);
    assert.equal(p.severity, 'warning');
    assert.equal(p.code, 'stage/paper-order');
    assert.match(p.message, /4\.6 points of visual-math average on Qwen2\.5-VL-7B/);
    assert.equal(`${p.range.start.line}:${p.range.start.col}`, '7:11');
    assert.deepEqual(p.fix, { order: [1, 2, 0], ids: ['perception', 'textual', 'visual'] });
    const r = validateRecipeText(text, 'r.recipe.yaml');
    assert.ok(r.resolved, 'a warning does not block a launch');
  });

  it('paperOrder keeps SFT and merged stages in place and repeated kinds in their order', () => {
    assert.deepEqual(paperOrder(['sft', 'visual-reasoning', 'textual-reasoning', 'perception']), [0, 3, 2, 1]);
    assert.deepEqual(paperOrder(['perception', 'merged', 'perception', 'textual-reasoning']), [0, 1, 2, 3]);
    assert.deepEqual(paperOrder(['textual-reasoning', 'perception', 'sft', 'perception']), [1, 3, 2, 0]);
    assert.deepEqual(problems(BASE + '  - id: p2\n    kind: perception\n    steps: 1\n'), [], 'two perception stages in a row are fine');
  });
});
