// See2Think's reward as the external trainers run it (core/external/python/see2think_reward.py) scores exactly
// what core/reward/reward.ts scores, on hand-picked answers (boxed, nested braces, fractions, option letters,
// thousands separators, LaTeX wrappers, r1v tags, unusual spaces) and on seeded random combinations, for the
// paper's reward and others; and its EasyR1, verl and TRL entry points read the settings file next to it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreResponse } from '../../core/reward/reward';
import { schemaDefaults, type Reward, type ResolvedReward } from '../../protocol/recipe';
import { REWARD_CONFIG, REWARD_MODULE, rewardModuleSource } from '../../core/external/rewardModule';

const PAPER = schemaDefaults<Reward>('reward') as ResolvedReward;
const REWARDS: ResolvedReward[] = [
  PAPER,
  { ...PAPER, accuracy_weight: 0.7, format_weight: 0.3 },
  { ...PAPER, name: 'r1v' },
  { ...PAPER, format_pattern: '<answer>.*</answer>' },
  { ...PAPER, format_pattern: '(?P<t><think>).*</think>.*' },
];

const HAND: [string, string][] = [
  ['<think>2+3</think> \\boxed{5}', '5'],
  ['<think>x</think> the answer is \\boxed{\\frac{1}{2}}', '0.5'],
  ['<think>x</think> \\boxed{\\dfrac{6}{2}}', '3'],
  ['< think >x< /think > \\boxed{B}', '(B)'],
  ['<think>x</think> \\boxed{1,000}', '1000'],
  ['<think>x</think> \\boxed{\\text{red}}', 'red'],
  ['<think>x</think> \\boxed{90^\\circ}', '90'],
  ['<think>x</think> \\boxed{3} and later \\boxed{4}', '4'],
  ['<think>x</think> \\boxed{unclosed', 'unclosed'],
  ['no tags \\boxed{7}', '7'],
  ['<think>a\nb</think>\n\\boxed{ 12 }\ntrailing', '12'],
  ['<think>x</think><answer> yes </answer>', 'yes'],
  ['<think>x</think>\n<answer>A</answer>', 'a'],
  ['<answer>first</answer><answer>second</answer>', 'first'],
  ['<think>x</think> \\boxed{3.0}', '3'],
  ['<think>x</think> \\boxed{1e3}', '1000'],
  ['<think>x</think> \\boxed{2/4}', '\\frac{1}{2}'],
  ['<think>x</think> \\boxed{(1,2)}', '(1, 2)'],
  ['<think>x</think>\u00a0\\boxed{\u20035\u2003}', '5'],
  ['<think>x</think> \\boxed{$5$}', '5'],
  ['<think>x</think> \\boxed{}', ''],
  ['', '0'],
];

/** A seeded generator (mulberry32): the same cases on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCases(n: number): [string, string][] {
  const r = rng(11);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const answers = ['5', '-3', '0.5', '\\frac{1}{2}', '12', '1,024', 'B', '(C)', 'yes', '\\text{blue}', '3.14', '7/2', '2^{10}', ' 42 '];
  const think = ['<think>reasoning</think>', '<think>\nmany\nlines\n</think>', '< think >spaced< / think >', '', '<think>unclosed'];
  const wrap = [(a: string) => `\\boxed{${a}}`, (a: string) => `<answer>${a}</answer>`, (a: string) => a, (a: string) => `\\boxed{\\boxed{${a}}}`];
  const tail = ['', ' done.', '\n', '\u00a0'];
  return Array.from({ length: n }, () => [`${pick(think)} ${pick(wrap)(pick(answers))}${pick(tail)}`, pick(answers)]);
}

function python(script: string[], input: string, cwd?: string) {
  const r = spawnSync('python3', script, { input, encoding: 'utf8', cwd });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("See2Think's reward module for external trainers", () => {
  it('scores every case exactly as core/reward/reward.ts does, for the paper\'s reward and others', () => {
    const cases = [...HAND, ...randomCases(400)].flatMap(([response, truth]) => REWARDS.map((reward) => ({ response, ground_truth: truth, reward })));
    const out = python([rewardModuleSource()], cases.map((c) => JSON.stringify(c)).join('\n') + '\n').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(out.length, cases.length);
    let differ = 0;
    cases.forEach((c, i) => {
      const ts = scoreResponse(c.response, c.ground_truth, c.reward);
      const py = out[i];
      const same = Math.abs(ts.overall - py.overall) < 1e-12 && ts.accuracy === py.accuracy && ts.format === py.format && ts.answer === py.answer;
      if (!same) {
        differ++;
        assert.fail(`case ${i} (${JSON.stringify(c)}): TypeScript ${JSON.stringify(ts)} vs Python ${JSON.stringify(py)}`);
      }
    });
    assert.equal(differ, 0);
    assert.ok(out.some((s) => s.accuracy === 1) && out.some((s) => s.accuracy === 0) && out.some((s) => s.format === 1) && out.some((s) => s.format === 0), 'the cases cover both outcomes');
  });

  it("the trainers' entry points read the recipe's settings next to the module", () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-reward-'));
    try {
      copyFileSync(rewardModuleSource(), join(dir, REWARD_MODULE));
      writeFileSync(join(dir, REWARD_CONFIG), JSON.stringify({ ...PAPER, accuracy_weight: 0.6, format_weight: 0.4, answer_key: 'solution' }));
      const out = python(['-c', [
        'import json, see2think_reward as r',
        'good = "<think>x</think> \\\\boxed{5}"',
        'print(json.dumps(r.easyr1_compute_score([{"response": good, "ground_truth": "5", "response_length": 3}, {"response": "5", "ground_truth": "5", "response_length": 1}])))',
        'print(json.dumps(r.verl_compute_score(data_source="geo", solution_str=good, ground_truth="4", extra_info=None)))',
        'print(json.dumps([r.accuracy_reward([[{"role": "assistant", "content": good}], good], solution=["5", "6"]), r.format_reward([good, "5"], solution=["5", "5"])]))',
        'print(r.REWARD_TYPE)',
      ].join('\n')], '', dir).trim().split('\n');
      assert.deepEqual(JSON.parse(out[0]), [{ overall: 1, format: 1, accuracy: 1 }, { overall: 0, format: 0, accuracy: 0 }]);
      assert.deepEqual(JSON.parse(out[1]), { score: 0.4, acc: 0, format: 1 }, "verl: 'acc' makes accuracy the core validation metric");
      assert.deepEqual(JSON.parse(out[2]), [[1, 0], [1, 0]], 'TRL: conversational and plain completions, the ground truth from data.answer_key');
      assert.equal(out[3], 'batch', 'EasyR1 after b637de8 reads the reward type from the module');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the module's defaults are the schema's paper values", () => {
    const out = python(['-c', `import json, importlib.util as u; s = u.spec_from_file_location("m", ${JSON.stringify(rewardModuleSource())}); m = u.module_from_spec(s); s.loader.exec_module(m); print(json.dumps(m.PAPER))`], '');
    const p = JSON.parse(out);
    assert.deepEqual({ name: p.name, accuracy_weight: p.accuracy_weight, format_weight: p.format_weight, format_pattern: p.format_pattern },
      { name: PAPER.name, accuracy_weight: PAPER.accuracy_weight, format_weight: PAPER.format_weight, format_pattern: PAPER.format_pattern });
  });

  it('the package carries it: the bundled CLI finds it in dist/python/, which the .vsix keeps', function () {
    const root = join(__dirname, '../..');
    assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!dist\/python\/\*\.py$/m);
    const cli = join(root, 'dist/cli.js');
    // `npm test` builds before the unit layer; a single-file run without a build has nothing to check here.
    if (!existsSync(cli)) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 's2t-dist-'));
    try {
      writeFileSync(join(dir, 'v.recipe.yaml'), 'name: v\nmodel: { trainer: verl, trainer_version: 1dda039, path: org/m }\nstages:\n  - { id: a, kind: perception, steps: 2, data: { file: t.parquet, val_file: v.parquet } }\n');
      const r = spawnSync(process.execPath, [cli, 'show-command', join(dir, 'v.recipe.yaml'), '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const from = JSON.parse(r.stdout)[0].files[0].copyFrom as string;
      assert.equal(from, join(root, 'dist/python', REWARD_MODULE));
      assert.ok(existsSync(from));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
