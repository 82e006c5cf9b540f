// The experiment's pure parts on constructed inputs: the plan's checks and derived recipes (seeds, controls),
// the seed statistics (Student-t intervals by hand), report.json's numbers from eval records, report.md's
// headline, and the figure as a PNG that decodes.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { parse } from 'yaml';
import type { EvalRecord } from '../../protocol/runRecords';
import { planExperiment, armRecipeText, ExperimentError } from '../../core/experiment/experimentPlan';
import { pairedSeeds, summarizeSeeds, t95 } from '../../core/experiment/seedStats';
import { buildReport, type RunResults } from '../../core/experiment/experimentReport';
import { reportMarkdown } from '../../core/experiment/reportMarkdown';
import { drawLengthFigure, smooth } from '../../core/experiment/lengthFigure';
import { meanOverRuns } from '../../core/experiment/runLengths';

const WARMUP = `  - id: warmup
    kind: sft
    steps: 10
    init_from: null
    data: { val_size: 8, perception_slip_rate: 0.5 }
    algorithm: { global_batch_size: 4 }
`;
const HEAD = (name: string) => `name: ${name}\nmodel: { trainer: builtin, preset: tiny }\ndefaults:\n  algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 2, max_response_length: 56 }\nstages:\n${WARMUP}`;
const STAGED = HEAD('staged') + `  - id: perception
    kind: perception
    steps: 3
  - id: textual
    kind: textual-reasoning
    steps: 3
  - id: visual
    kind: visual-reasoning
    steps: 4
`;
const MERGED = HEAD('merged') + `  # the baseline
  - id: merged
    kind: merged
    steps: 10
    data: { val_size: 8 }
`;

describe('experiment: plan, statistics, report', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-exp-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plans both arms and B\'s two controls; refuses recipes that do not share the warm-up or the RL budget', () => {
    const plan = planExperiment(file('s.recipe.yaml', STAGED), file('m.recipe.yaml', MERGED), { seeds: 2, controls: true });
    assert.equal(plan.id, 'staged-vs-merged');
    assert.deepEqual(plan.arms.map((a) => a.name), ['staged', 'merged', 'merged-frozen-vision', 'merged-ref-reset']);
    assert.deepEqual(plan.seeds, [1, 2]);
    assert.deepEqual([plan.rlSteps, plan.rlPrompts, plan.warmup], [10, 20, { id: 'warmup', steps: 10 }]);
    assert.deepEqual(plan.stageEnds, [{ id: 'perception', step: 3 }, { id: 'textual', step: 6 }, { id: 'visual', step: 10 }]);
    assert.deepEqual(plan.arms[3].rl, [{ id: 'merged-1', kind: 'merged', steps: 3 }, { id: 'merged-2', kind: 'merged', steps: 3 }, { id: 'merged-3', kind: 'merged', steps: 4 }]);
    assert.equal(plan.dir, join(dir, 'runs', 'experiments', 'staged-vs-merged'));
    assert.equal(planExperiment(join(dir, 's.recipe.yaml'), join(dir, 'm.recipe.yaml'), { seeds: 1, controls: false }).arms.length, 2);

    const other = (name: string, text: string) => () => planExperiment(join(dir, 's.recipe.yaml'), file(name, text), { seeds: 1, controls: false });
    assert.throws(other('w.recipe.yaml', MERGED.replace('steps: 10\n    init_from', 'steps: 11\n    init_from').replace('name: merged', 'name: w')), /must share the warm-up/);
    assert.throws(other('l.recipe.yaml', MERGED.replace('    steps: 10\n    data: { val_size: 8 }', '    steps: 12\n    data: { val_size: 8 }').replace('name: merged', 'name: l')),
      /same RL steps and prompts: staged 10 steps \/ 20 prompts, l 12 steps \/ 24 prompts/);
    assert.throws(other('same.recipe.yaml', STAGED), /both recipes are named 'staged'/);
    assert.throws(() => planExperiment(join(dir, 's.recipe.yaml'), join(dir, 'm.recipe.yaml'), { seeds: 0, controls: false }), ExperimentError);
  });

  it('derives each arm\'s recipe per seed: every stage seeded, the controls applied, comments kept', () => {
    const plan = planExperiment(join(dir, 's.recipe.yaml'), join(dir, 'm.recipe.yaml'), { seeds: 3, controls: true });
    const [staged, merged, frozen, reset] = plan.arms;
    const s = parse(armRecipeText(staged, 3));
    assert.deepEqual(s.stages.map((x: { algorithm: { seed: number }; data: { seed: number } }) => [x.algorithm.seed, x.data.seed]), [[3, 3], [3, 3], [3, 3], [3, 3]]);
    assert.equal(s.stages[0].data.perception_slip_rate, 0.5, 'the rest of the recipe is unchanged');
    assert.match(armRecipeText(merged, 1), /# the baseline/);
    assert.equal(parse(armRecipeText(frozen, 1)).stages[1].algorithm.freeze_vision_tower, true);
    assert.equal(parse(armRecipeText(frozen, 1)).stages[0].algorithm.freeze_vision_tower, undefined, 'the shared warm-up is untouched');
    const r = parse(armRecipeText(reset, 2));
    assert.deepEqual(r.stages.map((x: { id: string; steps: number; init_from: string; kind: string }) => [x.id, x.kind, x.steps, x.init_from ?? null]),
      [['warmup', 'sft', 10, null], ['merged-1', 'merged', 3, 'warmup'], ['merged-2', 'merged', 4 - 1, 'merged-1'], ['merged-3', 'merged', 4, 'merged-2']]);
    assert.equal(r.stages[2].data.val_size, 8);
    assert.equal(r.stages[3].algorithm.seed, 2);
  });

  it('seed statistics: mean ± Student-t 95 % half-width, paired by seed (hand-computed)', () => {
    // [1..5]: mean 3, sd √2.5, se √0.5, t(4) = 2.776
    const s = summarizeSeeds([1, 2, 3, 4, 5]);
    assert.equal(s.mean, 3);
    assert.ok(Math.abs(s.half - 2.776 * Math.sqrt(0.5)) < 1e-12);
    assert.deepEqual([t95(1), t95(4), t95(30), t95(31)], [12.706, 2.776, 2.042, 1.96]);
    // differences [0.1, 0.3, NaN]: the third seed is left out; mean 0.2, sd √0.02, se 0.1, t(1) = 12.706
    const p = pairedSeeds([0.6, 0.8, NaN], [0.5, 0.5, 0.4]);
    assert.equal(p.n, 2);
    assert.ok(Math.abs(p.mean - 0.2) < 1e-12 && Math.abs(p.half - 12.706 * 0.1) < 1e-9);
    assert.ok(Number.isNaN(summarizeSeeds([1]).half), 'one seed has no interval');
  });

  it('report.json: per-arm stats over the seeds done, paired differences, the error analysis; report.md says it', () => {
    const plan = planExperiment(join(dir, 's.recipe.yaml'), join(dir, 'm.recipe.yaml'), { seeds: 3, controls: false });
    // Each set: 4 prompts. staged seed k: k+1 right on visual (lengths 10 right, 20 wrong); merged: 1 right.
    const rec = (task: string, i: number, correct: boolean, length: number, perception_ok?: boolean): EvalRecord => ({
      type: 'answer', prompt_id: `${task}/${i}`, task, prompt: 'q', ground_truth: '1', response: 'r', answer: correct ? '1' : '2', correct, reward: correct ? 1 : 0, length,
      ...(perception_ok === undefined ? {} : { perception_ok }),
    });
    const answers = (right: number, len: number) => Object.fromEntries((['perception', 'textual-reasoning', 'visual-reasoning'] as const).map((set) =>
      [set, [0, 1, 2, 3].map((i) => rec(set, i, i < right, i < right ? len : 20, set === 'visual-reasoning' ? i % 2 === 0 : undefined))]));
    const runs: RunResults[] = [
      { arm: 'staged', seed: 1, runDir: '/r/s1', final: answers(2, 10), path: [{ checkpoint: 'warmup', answers: answers(0, 30) }, { checkpoint: 'visual', answers: answers(2, 10) }] },
      { arm: 'staged', seed: 2, runDir: '/r/s2', final: answers(3, 12), path: [{ checkpoint: 'warmup', answers: answers(1, 30) }, { checkpoint: 'visual', answers: answers(3, 12) }] },
      { arm: 'merged', seed: 1, runDir: '/r/m1', final: answers(1, 15) },
      { arm: 'merged', seed: 2, runDir: '/r/m2', final: answers(1, 15) },
      { arm: 'staged', seed: 3, runDir: '/r/s3', final: answers(4, 9) }, // merged seed 3 not done: seed 3 is left out
    ];
    const r = buildReport({ plan, evalSize: 4, evalSeed: 1, sampling: 't0.6-p0.95', backend: 'wasm', wallSeconds: 3723, runs, figure: 'f.png', now: new Date(0) });
    assert.deepEqual(r.seedsDone, [1, 2]);
    assert.equal(r.complete, false);
    const staged = r.arms[0].final['visual-reasoning']!;
    assert.deepEqual(staged.accuracy!.values, [0.5, 0.75, null]);
    assert.equal(staged.accuracy!.mean, 0.625);
    assert.ok(Math.abs(staged.accuracy!.half! - 12.706 * 0.125) < 1e-9, 'sd of [0.5, 0.75] = 0.125·√2, se 0.125');
    assert.deepEqual(staged.correct_length!.values, [10, 12, null]);
    // wrong visual answers: staged seed 1 prompts 2, 3 (perception_ok true, false) → share 0.5; seed 2 prompt 3 (false) → 1
    assert.deepEqual(staged.perception_error_share!.values, [0.5, 1, null]);
    assert.equal(r.arms[0].final.perception!.perception_error_share, undefined, 'the error analysis is about visual reasoning only');
    const d = r.paired.find((p) => p.first === 'staged' && p.second === 'merged' && p.set === 'visual-reasoning' && p.measure === 'accuracy')!;
    assert.deepEqual(d.stat.values, [0.25, 0.5, null]);
    assert.equal(d.stat.mean, 0.375);
    const len = r.paired.find((p) => p.first === 'staged' && p.set === 'visual-reasoning' && p.measure === 'correct_length')!;
    assert.deepEqual(len.stat.values, [-5, -3, null]);
    assert.deepEqual(len.relative!.values.map((v) => v === null ? null : +v.toFixed(6)), [-1 / 3, -0.2, null].map((v) => v === null ? null : +v.toFixed(6)));
    assert.deepEqual(r.path.map((p) => [p.checkpoint, p.scores['visual-reasoning']!.accuracy!.mean]), [['warmup', 0.125], ['visual', 0.625]]);
    // each stage end minus the warm-up, seed by seed: accuracy 0.5 − 0 and 0.75 − 0.25; correct length 10 − NaN (none right) and 12 − 30
    const fromWarmup = (m: string) => r.pathPaired.find((p) => p.first === 'visual' && p.second === 'warmup' && p.set === 'visual-reasoning' && p.measure === m)!;
    assert.deepEqual(fromWarmup('accuracy').stat.values, [0.5, 0.5, null]);
    assert.deepEqual(fromWarmup('correct_length').stat.values, [null, -18, null]);
    assert.deepEqual(fromWarmup('correct_length').relative!.values, [null, -0.6, null]);
    const md = reportMarkdown(r);
    assert.match(md, /^# Experiment staged-vs-merged: staged vs merged/);
    assert.match(md, /In progress: 2 of 3 seeds done/);
    assert.match(md, /Wall time 1 h 02 min/);
    assert.match(md, /Visual reasoning accuracy: \+0\.375 ± 1\.588 \(the interval contains 0\); correct answers -26\.7 % ± 84\.7 in length/);
    assert.match(md, /\| staged \| 0\.625 ± 1\.588 \| 0\.625 ± 1\.588 \| 0\.625 ± 1\.588 \|/);
    assert.match(md, /!\[response length\]\(f\.png\)/);
    assert.match(md, /\| visual − warmup \| \+0\.500 \(1 seed\)|\| visual − warmup \| \+0\.500 ± 0\.000 \|/);
  });

  it('the figure: a PNG of the given size with each arm\'s colour, smoothed over 5 steps', () => {
    assert.deepEqual(smooth([1, 2, 3, NaN, 5], 3), [1.5, 2, 2.5, 4, 5]);
    assert.deepEqual(meanOverRuns([[1, NaN, 3], [3, 4]]), [2, 4, 3]);
    const png = PNG.sync.read(drawLengthFigure({
      title: 'LENGTH', series: [{ name: 'staged', values: [30, 31, 29, 25, 24, 22] }, { name: 'merged', values: [30, 30, 31, 31, 32, 33] }],
      marks: [{ step: 2, label: 'perception' }], width: 400, height: 200,
    }));
    assert.deepEqual([png.width, png.height], [400, 200]);
    const has = (rgb: number[]) => { for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) return true; return false; };
    assert.ok(has([214, 39, 40]) && has([31, 119, 180]), 'both arms are drawn in their colours');
  });
});
