// Live tail: a separate Python process writes an EasyR1 run folder the way EasyR1's FileLogger and
// FileGenerationLogger do (open-append-close per call, NaN bare, samples before the round's val line), and a
// verl file log, while the adapters poll. Every record must arrive exactly once, in order, with its values.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EasyR1RunReader } from '../../core/external/easyr1/easyr1Run';
import { VerlFileLog } from '../../core/external/verl/verlFileLogger';
import { mergeChunks, type AdapterChunk } from '../../core/external/foreignRun';

const WRITER = String.raw`
import json, os, sys, time
d = sys.argv[1]
steps = int(sys.argv[2])
with open(os.path.join(d, "experiment_config.json"), "w") as f:
    json.dump({"trainer": {"val_generations_to_log": 2}, "data": {"val_files": "val.jsonl"},
               "worker": {"rollout": {"val_override_config": {"temperature": 0.6, "top_p": 0.95, "n": 1}}}}, f, indent=2)
open(os.path.join(d, "experiment_log.jsonl"), "w").close()
open(os.path.join(d, "generations.log"), "w").close()
def log(data, step):
    with open(os.path.join(d, "experiment_log.jsonl"), "a") as f:
        line = json.dumps({"step": step, **data}) + "\n"
        # Python's buffered writer may hand the line to the OS in pieces: write it in two.
        f.write(line[:len(line) // 2]); f.flush(); time.sleep(0.002); f.write(line[len(line) // 2:])
    with open(os.path.join(d, "verl.jsonl"), "a") as f:
        f.write(json.dumps({"step": step, "data": {"critic/score/mean": data.get("reward", {}).get("overall", float("nan"))}}) + "\n")
def gens(step):
    with open(os.path.join(d, "generations.log"), "a") as f:
        for i in range(2):
            f.write(f"[prompt] question {i}\n[output] <think>step {step}</think> \\boxed{{{step + i}}}\n[ground_truth] {i}\n[score] {1.0 if step + i == i else 0.1}\n\n")
            f.flush(); time.sleep(0.003)
for step in range(0, steps + 1):
    data = {} if step == 0 else {"reward": {"overall": step / 100, "accuracy": float("nan") if step == 7 else step / 200}}
    if step % 5 == 0:
        gens(step)
        data["val"] = {"accuracy_reward": step / 50}
    log(data, step)
    time.sleep(0.004)
`;

describe('live tail while a trainer process writes', function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 's2t-live-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every step and every validation round exactly once while EasyR1-style files grow', async () => {
    const steps = 40;
    const reader = new EasyR1RunReader(dir, { stage: 'perception', accuracyWeight: 0.9 });
    const verl = new VerlFileLog(join(dir, 'verl.jsonl'), { stage: 'perception' });
    const child = spawn('python3', ['-c', WRITER, dir, String(steps)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let running = true;
    void exited.then(() => (running = false));
    const chunks: AdapterChunk[] = [];
    const verlSteps: number[] = [];
    let polls = 0;
    let partialReads = 0;
    while (running) {
      const c = await reader.read();
      if (c.metrics.length && c.metrics[c.metrics.length - 1].step < steps) partialReads++;
      chunks.push(c);
      verlSteps.push(...verl.read().metrics.map((m) => m.step));
      polls++;
      await new Promise((r) => setTimeout(r, 7));
    }
    assert.equal(await exited, 0, stderr);
    chunks.push(await reader.finish());
    verlSteps.push(...verl.read().metrics.map((m) => m.step));
    const all = mergeChunks(...chunks);
    assert.ok(partialReads >= 3, `the reader saw the files grow (${partialReads} partial reads in ${polls} polls)`);
    assert.deepEqual(all.metrics.map((m) => m.step), Array.from({ length: steps + 1 }, (_, i) => i));
    assert.deepEqual(verlSteps, Array.from({ length: steps + 1 }, (_, i) => i));
    assert.deepEqual(all.notes.filter((n) => n.level === 'warn'), []);
    assert.equal(all.metrics[13]['reward/overall'], 0.13);
    assert.ok(Number.isNaN(all.metrics[7]['reward/accuracy'] as number));
    assert.equal(all.metrics[10]['val/accuracy'], 0.2);
    assert.deepEqual(all.evals.map((e) => e.step), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
    for (const e of all.evals) {
      assert.deepEqual(e.records.map((r) => r.answer), [String(e.step), String(e.step + 1)], `round ${e.step} got its own samples`);
      assert.deepEqual(e.records.map((r) => r.correct), e.step === 0 ? [true, true] : [false, false]);
    }
  });
});
