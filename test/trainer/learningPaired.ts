// Paired held-out comparisons of two checkpoints (a stage's start and its end) on the same prompts with the
// same sampling seed: the measure the learning tests assert on, and (run directly) the report on a real run.
//   npx tsx test/trainer/learningPaired.ts <run-dir> [--n 4] [--all-sets]
import { Rng } from '../../trainer/util/rng';
import { mean } from '../../protocol/stats';
import type { ModelConfig } from '../../trainer/model/config';
import type { Params } from '../../trainer/model/vlm';
import { promptInput } from '../../trainer/model/batch';
import { decode } from '../../trainer/model/tokenizer';
import { sample } from '../../trainer/model/sampling';
import { scoreResponse, taskGenerator, type TaskExample } from '../../trainer/tasks/index';
import type { Generator, ResolvedReward } from '../../protocol/recipe';
import { initBackend } from '../../trainer/backend';
import { openRun } from '../../core/rundir/runDir';
import { stagePath } from '../../core/rundir/runDirReader';
import { latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { loadCheckpoint } from '../../trainer/model/checkpoint';
import { disposeParams } from '../../trainer/model/vlm';
import { StageData } from '../../trainer/stage/data';
import { encode } from '../../trainer/model/tokenizer';

export interface Paired {
  before: number;
  after: number;
  gain: number;
  /** Half-width of the 95 % interval of the mean paired difference. */
  half: number;
  prompts: number;
}

/** Mean paired difference of per-prompt values and its 95 % interval (normal approximation). */
export function pairedGain(before: number[], after: number[]): Paired {
  if (before.length !== after.length || before.length < 2) throw new RangeError('pairedGain: two equal-length lists of ≥ 2 values');
  const n = before.length;
  const d = after.map((a, i) => a - before[i]);
  const gain = mean(d);
  const se = Math.sqrt(d.reduce((a, x) => a + (x - gain) ** 2, 0) / (n - 1) / n);
  return { before: mean(before), after: mean(after), gain, half: 1.96 * se, prompts: n };
}

export const showPaired = (p: Paired, digits = 3): string =>
  `${p.before.toFixed(digits)} → ${p.after.toFixed(digits)} (paired ${p.gain >= 0 ? '+' : ''}${p.gain.toFixed(digits)} ± ${p.half.toFixed(digits)}, ${p.prompts} prompts)`;

export interface HeldOutSampling {
  temperature: number;
  topP: number;
  n: number;
  maxTokens: number;
  seed: number;
}

/** Per-prompt mean reward (and accuracy) of `n` samples, reproducible for a seed. */
export function heldOutScores(params: Params, cfg: ModelConfig, examples: TaskExample[], reward: ResolvedReward, s: HeldOutSampling): { reward: number[]; accuracy: number[] } {
  const groups = sample(params, cfg, examples.map((e) => promptInput(cfg, e)), s.n,
    { temperature: s.temperature, topP: s.topP, maxTokens: s.maxTokens }, new Rng(s.seed));
  const scores = groups.map((g, i) => g.map((r) => scoreResponse(decode(r.tokens), examples[i].answer, reward)));
  return { reward: scores.map((g) => mean(g.map((x) => x.overall))), accuracy: scores.map((g) => mean(g.map((x) => x.accuracy))) };
}

/** Every RL stage of a run: its own held-out reward at its start (the parent's final checkpoint) and its end. */
async function reportRun(runDir: string, n: number, allSets: boolean): Promise<void> {
  await initBackend();
  const run = openRun(runDir);
  for (const stage of run.recipe.stages) {
    if (stage.kind === 'sft' || !stage.initFrom) continue;
    const start = latestCheckpoint(stagePath(runDir, stage.initFrom));
    const end = latestCheckpoint(stagePath(runDir, stage.id));
    if (!start || !end) {
      console.log(`${stage.id}: no checkpoint to compare`);
      continue;
    }
    const a = loadCheckpoint(start.dir);
    const b = loadCheckpoint(end.dir);
    const cfg = a.meta.model;
    const alg = stage.algorithm;
    const s: HeldOutSampling = { temperature: alg.val_temperature, topP: alg.val_top_p, n, maxTokens: alg.max_response_length, seed: 12345 };
    const sets: [string, TaskExample[]][] = [[`own (${stage.data.generator})`, new StageData(stage, cfg, new Rng(1)).validation()]];
    if (allSets) {
      for (const g of ['perception', 'textual-reasoning', 'visual-reasoning'] as Generator[]) {
        const gen = taskGenerator(g, { imageSize: cfg.imageSize, maxPromptLength: cfg.maxPromptLength, maxResponseLength: Math.min(alg.max_response_length, cfg.maxPositions - cfg.maxPromptLength - 1) - 1, lengthOf: (t) => encode(t).length });
        sets.push([g, gen.validation(stage.data.val_size)]);
      }
    }
    for (const [name, val] of sets) {
      const x = heldOutScores(a.params, cfg, val, stage.reward, s);
      const y = heldOutScores(b.params, cfg, val, stage.reward, s);
      console.log(`${stage.id} ${name}: reward ${showPaired(pairedGain(x.reward, y.reward))}; accuracy ${showPaired(pairedGain(x.accuracy, y.accuracy))}`);
    }
    disposeParams(a.params);
    disposeParams(b.params);
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const n = Number(flag('--n') ?? 4);
  const all = args.includes('--all-sets');
  const runDir = args.filter((x) => !x.startsWith('--'))[0];
  if (!runDir) {
    console.error('usage: npx tsx test/trainer/learningPaired.ts <run-dir> [--n 4] [--all-sets]');
    process.exit(2);
  }
  reportRun(runDir, n, all).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
