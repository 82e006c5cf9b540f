// Evaluating a real checkpoint (a tiny SFT warm-up trained here by the built-in trainer): a seed gives the
// same answers every time, greedy ignores the seed, finished results are reused (and a re-created
// checkpoint is not), cancellation leaves nothing behind, records are scored as the trainer scores, and
// the CLI streams progress and stops cleanly on SIGTERM.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';
import { createRun } from '../../core/rundir/runDir';
import { evaluateCheckpoint, EvalCancelled, planEval } from '../../trainer/eval/evaluate';
import { locateCheckpoint, CheckpointNotFound } from '../../trainer/eval/locate';
import { EvalSpecError } from '../../trainer/eval/spec';
import { loadEvalSet } from '../../trainer/eval/sets';
import { parseEvalText } from '../../core/diff/evalFile';
import { compareEvals } from '../../core/diff/comparison';
import { scoreResponse } from '../../core/reward/reward';
import { perceptionRight } from '../../trainer/tasks/percepts';
import { encode } from '../../trainer/model/tokenizer';
import { decodePng, encodePng } from '../../trainer/util/png';

const root = join(__dirname, '../..');
const cli = (...args: string[]) => [process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), ...args]] as const;

const RECIPE = join(__dirname, '../fixtures/checkpoints/tiny-sft.recipe.yaml');

function lines(file: string): { header: EvalHeader; records: EvalRecord[] } {
  const f = parseEvalText(readFileSync(file, 'utf8'), file);
  assert.deepEqual(f.problems, []);
  return { header: f.header!, records: f.records };
}

describe('eval: a real checkpoint on a held-out set', function () {
  this.timeout(300000);
  let dir: string;
  let runDir: string;
  let ck10: string;
  let ck20: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-eval-'));
    copyFileSync(RECIPE, join(dir, 'eval.recipe.yaml'));
    runDir = createRun({ recipeFile: join(dir, 'eval.recipe.yaml'), runsDir: join(dir, 'runs'), runId: 'r1' }).runDir;
    const [cmd, args] = cli('stage', runDir, 'warmup');
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, S2T_BACKEND: 'wasm' } });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    ck10 = join(runDir, 'stages/warmup/checkpoints/step-10');
    ck20 = join(runDir, 'stages/warmup/checkpoints/step-20');
    assert.ok(existsSync(join(ck20, 'meta.json')));
  });

  it('answers with the same seed identically, and with another seed differently', async () => {
    const a = await evaluateCheckpoint({ checkpoint: ck20, out: join(dir, 'a.jsonl'), seed: 7 });
    const b = await evaluateCheckpoint({ checkpoint: ck20, out: join(dir, 'b.jsonl'), seed: 7 });
    const c = await evaluateCheckpoint({ checkpoint: ck20, out: join(dir, 'c.jsonl'), seed: 8 });
    assert.equal(a.reused || b.reused || c.reused, false);
    const [ra, rb, rc] = [a, b, c].map((o) => lines(o.file).records);
    assert.equal(ra.length, 24);
    assert.deepEqual(rb, ra, 'same seed → byte-identical answers');
    assert.ok(rc.some((r, i) => r.response !== ra[i].response), 'another seed samples other answers');
    assert.equal(a.prompts, 24);
    assert.equal(a.accuracy, ra.filter((r) => r.correct).length / 24);
  });

  it('greedy decoding does not depend on the seed', async () => {
    const g1 = await evaluateCheckpoint({ checkpoint: ck20, out: join(dir, 'g1.jsonl'), greedy: true, seed: 1 });
    const g2 = await evaluateCheckpoint({ checkpoint: ck20, out: join(dir, 'g2.jsonl'), greedy: true, seed: 99 });
    assert.deepEqual(lines(g2.file).records, lines(g1.file).records);
    assert.equal(lines(g1.file).header.sampling.greedy, true);
  });

  it('writes records of the stage validation set, scored as the trainer scores them', async () => {
    const o = await evaluateCheckpoint({ checkpoint: ck20 });
    assert.equal(o.file, join(runDir, 'evals', 'warmup.step-20__merged-24__t0.6-p0.95__seed1.jsonl'));
    const { header, records } = lines(o.file);
    assert.equal(header.checkpoint, 'tiny-sft/r1/warmup/step-20');
    assert.equal(header.set, 'merged:24');
    assert.deepEqual(header.sampling, { temperature: 0.6, top_p: 0.95, n: 1 });
    const ref = locateCheckpoint(ck20);
    const expected = loadEvalSet({ kind: 'generator', generator: 'merged', size: 24 }, ref.stage, ref.meta.model).examples;
    assert.deepEqual(records.map((r) => r.prompt_id), expected.map((e) => e.id));
    records.forEach((r, i) => {
      const ex = expected[i];
      assert.equal(r.prompt, ex.prompt);
      assert.equal(r.ground_truth, ex.answer);
      const s = scoreResponse(r.response, ex.answer, ref.stage.reward);
      assert.equal(r.correct, s.accuracy >= 1);
      assert.equal(r.reward, s.overall);
      assert.equal(r.answer, s.answer);
      const tokens = encode(r.response).length;
      assert.ok(r.length === tokens || r.length === tokens + 1, `length ${r.length} = response tokens ${tokens} (+ EOS)`);
      assert.ok(r.length <= header.max_tokens!, `at most max_tokens (${header.max_tokens})`);
      if (ex.image) assert.deepEqual(decodePng(Buffer.from(r.image!.split(',')[1], 'base64')).rgb, ex.image.rgb);
      else assert.equal(r.image, undefined);
      // scene questions record whether the perception the response states is right (the error analysis)
      assert.equal(r.perception_ok, ex.percepts ? perceptionRight(r.response, ex.percepts) : undefined, r.response);
    });
  });

  it('reuses a finished result with the same key, and re-evaluates a re-created checkpoint', async () => {
    const first = await evaluateCheckpoint({ checkpoint: ck10, set: 'perception:8' });
    const mtime = statSync(first.file).mtimeMs;
    const again = await evaluateCheckpoint({ checkpoint: ck10, set: 'perception:8' });
    assert.equal(again.reused, true);
    assert.equal(again.file, first.file);
    assert.equal(statSync(first.file).mtimeMs, mtime, 'not rewritten');
    assert.deepEqual({ ...again, reused: false, seconds: 0 }, { ...first, seconds: 0 });
    // A checkpoint saved again under the same name (a restarted stage) has another time: evaluate again.
    const text = readFileSync(first.file, 'utf8').replace(/"checkpoint_time":"[^"]+"/, '"checkpoint_time":"2000-01-01T00:00:00.000Z"');
    writeFileSync(first.file, text);
    const fresh = await evaluateCheckpoint({ checkpoint: ck10, set: 'perception:8' });
    assert.equal(fresh.reused, false);
    // An unfinished file (fewer answers than the set) is never reused either.
    const cut = readFileSync(fresh.file, 'utf8').split('\n').slice(0, 4).join('\n') + '\n';
    writeFileSync(fresh.file, cut);
    assert.equal((await evaluateCheckpoint({ checkpoint: ck10, set: 'perception:8' })).reused, false);
  });

  it('stops when cancelled between chunks and leaves no file behind', async () => {
    let progress = 0;
    const out = join(dir, 'cancelled.jsonl');
    await assert.rejects(evaluateCheckpoint({ checkpoint: ck20, set: 'visual-reasoning:64', out, onProgress: () => progress++, cancelled: () => progress >= 1 }), EvalCancelled);
    assert.equal(progress, 1);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('cancelled')), []);
  });

  it('pairs two checkpoints of the run for a comparison', async () => {
    const a = await evaluateCheckpoint({ checkpoint: ck10 });
    const b = await evaluateCheckpoint({ checkpoint: ck20 });
    const c = compareEvals(parseEvalText(readFileSync(a.file, 'utf8'), a.file), parseEvalText(readFileSync(b.file, 'utf8'), b.file));
    assert.equal(c.summary.paired, 24);
    assert.equal(Object.values(c.summary.flips).reduce((x, y) => x + y, 0), 24);
    assert.equal(c.summary.a.checkpoint, 'tiny-sft/r1/warmup/step-10');
    assert.equal(c.summary.meanLengthB, b.meanLength);
    assert.deepEqual(c.summary.warnings, []);
  });

  it('finds the checkpoint from a stage or run folder, and says clearly what is wrong otherwise', () => {
    assert.equal(locateCheckpoint(join(runDir, 'stages/warmup')).dir, ck20);
    assert.equal(locateCheckpoint(runDir).dir, ck20);
    assert.equal(planEval({ checkpoint: runDir, set: 'textual-reasoning', greedy: true, seed: 3 }).key, 'warmup.step-20__textual-reasoning-24__greedy__seed3');
    assert.throws(() => locateCheckpoint(join(dir, 'nope')), (e: Error) => e instanceof CheckpointNotFound && /no such directory/.test(e.message));
    assert.throws(() => locateCheckpoint(dir), /not a checkpoint, stage or run directory/);
    assert.throws(() => planEval({ checkpoint: ck20, set: 'vision' }), (e: Error) => e instanceof EvalSpecError && /unknown eval set 'vision'/.test(e.message));
  });

  it('evaluates a JSONL file of prompts, with positioned errors for a bad one', async () => {
    const set = join(dir, 'mine.jsonl');
    writeFileSync(set, '{"id":"q1","prompt":"What is 2+3?","answer":"5"}\n{"id":"q2","prompt":"What is 4-1?","answer":3}\n');
    const o = await evaluateCheckpoint({ checkpoint: ck20, set, greedy: true });
    assert.match(o.key, /^warmup\.step-20__file-mine-[0-9a-f]{10}__greedy__seed1$/);
    assert.deepEqual(lines(o.file).records.map((r) => [r.prompt_id, r.ground_truth]), [['q1', '5'], ['q2', '3']]);
    writeFileSync(set, '{"id":"q1","prompt":"a","answer":"1"}\n{"id":"q2","prompt":"b"}\n');
    await assert.rejects(evaluateCheckpoint({ checkpoint: ck20, set }), (e: Error) => e instanceof EvalSpecError && e.message === `${set}:2: each line needs "id", "prompt" and "answer"`);
    // A scene of another size than the model takes is a positioned error, not a crash inside the model.
    const size = locateCheckpoint(ck20).meta.model.imageSize + 1;
    const png = Buffer.from(encodePng({ size, rgb: new Uint8Array(size * size * 3) })).toString('base64');
    writeFileSync(set, `{"id":"q1","prompt":"a","answer":"1","image":"data:image/png;base64,${png}"}\n`);
    await assert.rejects(evaluateCheckpoint({ checkpoint: ck20, set }), (e: Error) => e instanceof EvalSpecError && e.message === `${set}:1: image is ${size}x${size}; the model takes ${size - 1}x${size - 1}`);
  });

  it("uses an external trainer's own validation answers at a checkpoint's step (mirrored eval file)", async () => {
    const run = join(dir, 'ext-run');
    const ck = join(run, 'stages/rl/checkpoints/step-5');
    mkdirSync(ck, { recursive: true });
    writeFileSync(join(ck, 'meta.json'), JSON.stringify({ step: 5, stage: 'rl', time: 'now', parent: null, trainer: 'easyr1' }));
    await assert.rejects(evaluateCheckpoint({ checkpoint: ck }), (e: Error) => e instanceof CheckpointNotFound && /easyr1 checkpoint cannot be evaluated here, and its trainer left no validation answers for step 5/.test(e.message));
    mkdirSync(join(run, 'evals'));
    const header = { type: 'header', checkpoint: 'rl/step-5', set: 'validation', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 0, created: 'now', source: 'easyr1 generations.log' };
    const rec = (id: string, correct: boolean, length: number) => ({ type: 'answer', prompt_id: id, prompt: 'p', ground_truth: '1', response: 'x', answer: correct ? '1' : '2', correct, reward: +correct, length });
    writeFileSync(join(run, 'evals/rl-step-5.jsonl'), [header, rec('a', true, 10), rec('b', false, 20)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const o = await evaluateCheckpoint({ checkpoint: ck });
    assert.deepEqual({ ...o, seconds: 0 }, { file: join(run, 'evals/rl-step-5.jsonl'), key: 'rl-step-5', reused: true, checkpoint: 'rl/step-5', set: 'validation', prompts: 2, accuracy: 0.5, meanLength: 15, meanCorrectLength: 10, seconds: 0 });
  });

  it('CLI: streams progress and the outcome as JSON lines; SIGTERM cancels cleanly (exit 143, nothing written)', async () => {
    const [cmd, args] = cli('eval', join(runDir, 'stages/warmup'), '--set', 'perception:8', '--seed', '5', '--stream');
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(recs.filter((x) => x.type === 'progress').map((x) => [x.done, x.total]), [[8, 8]]);
    const done = recs[recs.length - 1];
    assert.equal(done.type, 'eval-done');
    assert.equal(done.file, join(runDir, 'evals/warmup.step-20__perception-8__t0.6-p0.95__seed5.jsonl'));
    assert.equal(done.reused, false);
    // Another process, same checkpoint and seed as the first test: the same answers.
    const [cmd1, args1] = cli('eval', ck20, '--seed', '7', '--out', join(dir, 'a-cli.jsonl'));
    assert.equal(spawnSync(cmd1, args1, { cwd: root, encoding: 'utf8' }).status, 0);
    assert.deepEqual(lines(join(dir, 'a-cli.jsonl')).records, lines(join(dir, 'a.jsonl')).records);

    const out = join(dir, 'killed.jsonl');
    const [cmd2, args2] = cli('eval', ck20, '--set', 'visual-reasoning:2000', '--out', out, '--stream');
    const child = spawn(cmd2, args2, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('"progress"') && !child.killed) child.kill('SIGTERM');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 143);
    assert.match(stdout, /evaluation cancelled; nothing written/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('killed')), []);
  });
});
