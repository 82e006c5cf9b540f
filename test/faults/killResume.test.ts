// kill -9 at 20 random moments across a quick staged run (`see2think run`, built CLI, real trainer processes):
// each time the CLI's and the trainer's process groups get SIGKILL together, and `--resume` continues. No torn
// record is ever read as a record, a stage left "running" by a dead trainer is settled and resumed from its
// checkpoint (never "stop it first"), and the finished run directory passes the contract check.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES, type MetricRecord } from '../../protocol/runRecords';
import { JsonlTail } from '../../core/rundir/jsonlTail';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { checkRunContract } from './runContract';
import { ensureBuilt, killGroups, processesWith, seeded, sleep, startCli, writeRecipe } from './faultKit';

const RECIPE = `name: kr
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 4, rollout_batch_size: 4, global_batch_size: 2, ppo_epochs: 1, lr: 1.0e-4, kl_coef: 0.02, max_response_length: 24, save_freq: 3, val_freq: 100, val_before_train: false }
stages:
  - { id: warmup, kind: sft, steps: 30, init_from: null, data: { val_size: 8 }, algorithm: { lr: 2.0e-3, global_batch_size: 8, save_freq: 4 } }
  - { id: perception, kind: perception, steps: 15, data: { val_size: 8 } }
  - { id: textual, kind: textual-reasoning, steps: 30, data: { val_size: 8 } }
`;
const STAGES = ['warmup', 'perception', 'textual'];
const STEPS = [30, 15, 30];
const TOTAL = STEPS.reduce((a, b) => a + b, 0);

/** How far the run is, in steps across its stages (from the metric lines on disk). */
function progress(runDir: string): number {
  let done = 0;
  STAGES.forEach((s, i) => {
    const last = new JsonlTail(join(runDir, 'stages', s, RUN_FILES.metrics), isMetric).read().records.at(-1)?.step ?? 0;
    done += Math.min(last, STEPS[i]);
  });
  return done;
}
const isMetric = (v: unknown): v is MetricRecord => typeof v === 'object' && v !== null && Number.isInteger((v as MetricRecord).step);

describe('kill -9 at random moments, then --resume', function () {
  this.timeout(400000);
  let work: string;
  before(ensureBuilt);
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 's2t-kill-'))));
  afterEach(() => {
    killGroups(processesWith(work).map((p) => p.pgid));
    rmSync(work, { recursive: true, force: true });
  });

  it('20 kills across the run: every resume continues, nothing torn is read, the run passes the contract', async () => {
    const seed = Number(process.env.S2T_FAULT_SEED ?? Date.now() % 100000);
    const rand = seeded(seed);
    console.log(`      kill moments from seed ${seed} (S2T_FAULT_SEED=${seed} replays them)`);
    const recipe = writeRecipe(join(work, 'kr.recipe.yaml'), RECIPE);
    const runs = join(work, 'runs');
    const runDir = join(runs, 'kr', 'kr');
    const log: string[] = [];
    const t0 = Date.now();
    let killedMidStage = 0;
    let settledAfterKill = 0;
    // Twenty moments spread over the whole run: kill once the run has reached a random step, plus up to 60 ms.
    // On odd kills the next target may already be behind (then the kill lands while the resume starts up); even
    // kills also wait for this resume's trainer to write a step, so half of them land inside a running stage
    // however fast this machine trains (with the native kernels a tiny stage can end between two polls).
    const targets = Array.from({ length: 20 }, () => 1 + Math.floor(rand() * (TOTAL - 8))).sort((a, b) => a - b);
    for (let k = 0; k < 20; k++) {
      const resume = existsSync(join(runDir, RUN_FILES.run));
      const cli = startCli(['run', recipe, '--runs-dir', runs, '--run-id', 'kr', ...(resume ? ['--resume'] : [])]);
      // The first kill waits for the run folder (a kill inside createRun is another matter); then anywhere.
      if (!resume) for (let i = 0; i < 200 && !existsSync(join(runDir, RUN_FILES.run)); i++) await sleep(25);
      let exited = false;
      void cli.exited.then(() => (exited = true));
      const before = progress(runDir);
      const midStage = k % 2 === 0 && before + 1 <= TOTAL - 12;
      const target = midStage ? Math.max(targets[k], before + 1) : targets[k];
      while (!exited && progress(runDir) < target) await sleep(midStage ? 5 : 40);
      // A short random delay (a tiny stage takes ~10–30 ms a step with the native kernels: a longer one would
      // carry the run far past its target, and the later kills would all land while a resume starts up); it ends
      // early near the run's end.
      const delay = rand() * (midStage ? 20 : 60);
      const until = Date.now() + delay;
      while (!exited && Date.now() < until && progress(runDir) < TOTAL - 6) await sleep(5);
      if (exited) {
        assert.doesNotMatch(cli.out(), /stop it first|is marked running/, cli.out());
        assert.fail(`the run ended before kill ${k + 1} (exit ${cli.child.exitCode})\n${cli.out()}`);
      }
      const running = STAGES.filter((s) => readStageStatus(runDir, s).value?.state === 'running');
      killGroups([cli.child.pid!, ...processesWith(runDir).map((p) => p.pgid)]);
      await cli.exited;
      for (let i = 0; i < 100 && processesWith(runDir).length; i++) await sleep(20);
      assert.deepEqual(processesWith(runDir), [], 'nothing of the run survives SIGKILL of both groups');
      if (running.length) killedMidStage++;
      if (/was marked running, but .* recorded as failed; it continues from its last checkpoint/.test(cli.out())) settledAfterKill++;
      assert.doesNotMatch(cli.out(), /stop it first/, `resume ${k} refused:\n${cli.out()}`);
      // What a reader sees right after the kill: only whole records (a torn last line waits, never parsed).
      for (const s of STAGES) {
        for (const f of [RUN_FILES.metrics, RUN_FILES.traces]) {
          const chunk = new JsonlTail(join(runDir, 'stages', s, f), isMetric).read();
          assert.deepEqual(chunk.bad, [], `${s}/${f} after kill ${k + 1}`);
        }
      }
      log.push(`kill ${k + 1} at step ${progress(runDir)}/${TOTAL} (target ${targets[k]} + ${delay.toFixed(0)} ms)${running.length ? ` during ${running.join(',')}` : ''}`);
    }
    const last = startCli(['run', recipe, '--runs-dir', runs, '--run-id', 'kr', '--resume']);
    const code = await last.exited;
    assert.equal(code, 0, last.out());
    const problems = checkRunContract(runDir, { finished: true });
    console.log(`      seed ${seed}: ${killedMidStage}/20 kills hit a running stage; ${settledAfterKill} resumes settled a stage its dead trainer had left running; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.deepEqual(problems, [], `${problems.join('\n')}\n${log.join('\n')}`);
    assert.ok(killedMidStage >= 8, `only ${killedMidStage} kills hit a running stage: the moments do not cover the run\n${log.join("\n")}`);
    assert.ok(settledAfterKill >= 5, 'resumes settled the stages dead trainers left running');
  });
});
