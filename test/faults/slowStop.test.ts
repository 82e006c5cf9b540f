// Stop with the real grace periods (supervisor 45 s, bridge 30 s) and an external trainer that takes 20 s to
// stop after SIGTERM (a Ray shutdown, a checkpoint being written): the stage ends cancelled when the trainer
// does, and the trainer never outlives its stage (it is not orphaned holding its GPUs; Resume cannot start a
// second one beside it).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../core/launch/local';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { RunStore } from '../../extension/runs/store';
import { Supervisor } from '../../extension/runs/supervisor';
import { CLI_JS, ensureBuilt, killGroups, processesWith, sleep } from './faultKit';

const TRAINER = `
const fs = require('fs'), path = require('path');
const dir = process.env.S2T_STAGE_DIR;
let stopping = false;
process.on('SIGTERM', () => { stopping = true; setTimeout(() => process.exit(143), 20000); });
fs.writeFileSync(path.join(dir, 'trainer.pid'), String(process.pid));
let step = 0;
setInterval(() => { if (!stopping) fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ step: ++step, time: Date.now() / 1000 }) + '\\n'); }, 200);
`;

describe('Stop of an external trainer that takes 20 s to stop (default graces)', function () {
  this.timeout(120000);
  let work: string;
  before(ensureBuilt);
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 's2t-slowstop-'))));
  afterEach(() => {
    killGroups(processesWith(work).map((p) => p.pgid));
    rmSync(work, { recursive: true, force: true });
  });

  it('ends cancelled when the trainer exits, with nothing left running', async () => {
    writeFileSync(join(work, 'trainer.js'), TRAINER);
    writeFileSync(join(work, 's.recipe.yaml'), `name: s\nmodel: { trainer: command, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(work, 'trainer.js'))}] }\nstages:\n  - { id: p, kind: perception, steps: 100000 }\n`);
    const store = new RunStore({ pollMs: 200, warn: () => undefined });
    const sup = new Supervisor({ store, cliJs: CLI_JS, log: { info() {}, warn() {}, error() {} } });
    try {
      const job = await sup.startRun(join(work, 's.recipe.yaml'), ['p']);
      const pidFile = join(job.runDir, 'stages/p/trainer.pid');
      for (let i = 0; i < 300 && !(existsSync(pidFile) && readStageStatus(job.runDir, 'p').value?.state === 'running'); i++) await sleep(50);
      const trainer = Number(readFileSync(pidFile, 'utf8'));
      const t0 = Date.now();
      assert.equal(await sup.stop(job.runDir), true);
      const took = (Date.now() - t0) / 1000;
      assert.equal(processAlive(trainer), false, 'the trainer is gone when Stop returns');
      assert.deepEqual(processesWith(job.runDir), [], 'nothing of the stage is left');
      assert.equal((await job.done).state, 'cancelled');
      const st = readStageStatus(job.runDir, 'p').value!;
      assert.equal(st.state, 'cancelled');
      assert.equal(st.exit_code, 143, 'the trainer stopped on its own, within the grace');
      assert.ok(took >= 19 && took < 30, `Stop took ${took.toFixed(1)} s`);
      console.log(`      Stop took ${took.toFixed(1)} s (trainer: 20 s after SIGTERM; bridge grace 30 s, supervisor 45 s)`);
    } finally {
      sup.dispose();
      store.dispose();
    }
  });
});
