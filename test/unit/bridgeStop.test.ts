// An external trainer dies with its bridge (`see2think stage` of a `command` recipe, as the supervisor starts it):
// one that ignores SIGTERM is killed by the bridge within the trainer grace the supervisor handed it (shorter
// than the supervisor's own), and one whose bridge is killed with SIGKILL is stopped with it. No orphan keeps
// running (an orphan would keep its GPUs, and Resume would start a second trainer on the same output).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../core/launch/local';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { RunStore } from '../../extension/runs/store';
import { Supervisor } from '../../extension/runs/supervisor';

const ROOT = join(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The trainer: records its pid, writes a metric line a step, and on SIGTERM waits S2T_IGNORE_TERM_MS before exiting.
const TRAINER = `
const fs = require('fs'), path = require('path');
const dir = process.env.S2T_STAGE_DIR;
process.on('SIGTERM', () => { const ms = Number(process.env.S2T_IGNORE_TERM_MS); if (ms >= 0) setTimeout(() => process.exit(143), ms); });
fs.writeFileSync(path.join(dir, 'trainer.pid'), String(process.pid));
let step = 0;
setInterval(() => fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ step: ++step, time: Date.now() / 1000 }) + '\\n'), 100);
`;

describe('external trainer stop (bridge and supervisor together)', function () {
  this.timeout(60000);
  let dir: string;
  let store: RunStore;
  let sup: Supervisor;
  const make = (graceMs: number) => {
    store = new RunStore({ pollMs: 100, flushMs: 5, warn: () => undefined });
    // The CLI from source, started the way the supervisor starts dist/cli.js: node <cli> stage <run> <stage>.
    writeFileSync(join(dir, 'cli.js'), `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(join(ROOT, 'cli/main.ts'))}).main(process.argv.slice(2)).then((c) => process.exit(c));`);
    sup = new Supervisor({ store, cliJs: join(dir, 'cli.js'), graceMs, logPollMs: 50, log: { info() {}, warn() {}, error() {} } });
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-bstop-'));
    writeFileSync(join(dir, 'trainer.js'), TRAINER);
  });
  afterEach(() => {
    sup?.dispose();
    store?.dispose();
  });
  const start = async (ignoreTermMs: number) => {
    writeFileSync(join(dir, 'c.recipe.yaml'), `name: c
model:
  trainer: command
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(dir, 'trainer.js'))}]
  env: { S2T_IGNORE_TERM_MS: "${ignoreTermMs}" }
stages:
  - { id: p, kind: perception, steps: 1000 }
`);
    const job = await sup.startRun(join(dir, 'c.recipe.yaml'), ['p']);
    const pidFile = join(job.runDir, 'stages/p/trainer.pid');
    for (let i = 0; i < 400 && !existsSync(pidFile); i++) await sleep(25);
    for (let i = 0; i < 400 && readStageStatus(job.runDir, 'p').value?.state !== 'running'; i++) await sleep(25);
    return { job, trainer: Number(readFileSync(pidFile, 'utf8')), bridge: Number(job.handle!.id) };
  };
  const gone = async (pid: number) => {
    for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(50);
    return !processAlive(pid);
  };

  it('Stop: a trainer that ignores SIGTERM is killed by its bridge before the supervisor\'s grace ends; the stage is cancelled', async () => {
    make(4500); // → the bridge's trainer grace is 3000 ms
    const { job, trainer } = await start(-1);
    const t0 = Date.now();
    assert.equal(await sup.stop(job.runDir), true);
    const took = Date.now() - t0;
    assert.ok(await gone(trainer), 'the trainer is not left running');
    assert.equal((await job.done).state, 'cancelled');
    const st = readStageStatus(job.runDir, 'p').value!;
    assert.equal(st.state, 'cancelled');
    assert.ok(took >= 2900 && took < 4500, `the bridge escalated at its own grace, before the supervisor's (${took} ms)`);
  });

  it('a bridge killed with SIGKILL takes its trainer with it; the stage is recorded failed', async () => {
    make(4500);
    const { job, trainer, bridge } = await start(-1);
    process.kill(bridge, 'SIGKILL');
    const r = await job.done;
    assert.ok(await gone(trainer), 'no orphaned trainer');
    assert.equal(r.state, 'failed');
    assert.match(r.ends[0].error ?? '', /SIGKILL/);
  });
});
