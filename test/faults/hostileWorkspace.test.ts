// A workspace that ships run folders (`see2think run --resume` on them, built CLI, real processes): status.json
// naming pid 1 or a live process that is not the trainer is settled and resumed — nothing signalled, the
// foreign process untouched; another host's running stage and this run's live trainer are refused with what
// to do. (Stop, recovery and locks in the extension are in test/unit/supervisorHostile and the host layer.)
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { processAlive } from '../../core/launch/local';
import { ensureBuilt, startCli, writeRecipe } from './faultKit';

// A `command` trainer that succeeds at once: the bridge records the stage; no model is trained.
const RECIPE = `name: hw
model: { trainer: command, command: [${JSON.stringify(process.execPath)}, "-e", "0"] }
stages:
  - { id: a, kind: perception, steps: 2 }
  - { id: b, kind: perception, steps: 2, init_from: null }
`;

describe('see2think run --resume on a hostile run folder', function () {
  this.timeout(120000);
  let work: string;
  let recipe: string;
  const kids: ChildProcess[] = [];
  before(ensureBuilt);
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 's2t-hostws-'));
    recipe = writeRecipe(join(work, 'hw.recipe.yaml'), RECIPE);
  });
  afterEach(() => {
    kids.splice(0).forEach((k) => k.kill('SIGKILL'));
    rmSync(work, { recursive: true, force: true });
  });
  const runWith = (id: string, st: Record<string, unknown>) => {
    const run = createRun({ recipeFile: recipe, runsDir: join(work, 'runs'), runId: id });
    new StageWriter(run.runDir, 'a').status({ stage: 'a', target: 'local', total_steps: 2, updated: new Date().toISOString(), state: 'running', ...st } as never);
    return run.runDir;
  };
  const resume = async (id: string) => {
    const cli = startCli(['run', recipe, '--runs-dir', join(work, 'runs'), '--run-id', id, '--resume']);
    return { code: await cli.exited, out: cli.out() };
  };
  const started = async (c: ChildProcess) => {
    kids.push(c);
    await new Promise((r) => c.once('spawn', r));
    return c.pid!;
  };

  it('pid 1 and a foreign live pid: settled as failed, resumed to the end, nothing signalled', async () => {
    const foreign = await started(spawn('sleep', ['60'], { detached: true, stdio: 'ignore' }));
    for (const [id, pid] of [['pid1', 1], ['foreign', foreign]] as const) {
      const runDir = runWith(id, { pid, host: hostname() });
      const r = await resume(id);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /\[a\] was marked running, but .*: recorded as failed; it continues from its last checkpoint/);
      assert.doesNotMatch(r.out, /stop it first/);
      assert.equal(readStageStatus(runDir, 'a').value?.state, 'succeeded');
      assert.equal(readStageStatus(runDir, 'b').value?.state, 'succeeded');
    }
    assert.ok(processAlive(foreign), 'the foreign process was not signalled');
  });

  it("another host's running stage and this run's live trainer are refused, with what to do", async () => {
    const remote = runWith('remote', { pid: 4242, host: 'gpu-node-3' });
    const r = await resume('remote');
    assert.equal(r.code, 1);
    assert.match(r.out, /stage a of run remote is running on host gpu-node-3 \(pid 4242\): stop it there; if that host is gone, take the stage over with: see2think stage .* a --resume/);
    assert.equal(readStageStatus(remote, 'a').value?.state, 'running', 'left as it was');
    const live = createRun({ recipeFile: recipe, runsDir: join(work, 'runs'), runId: 'live' }).runDir;
    const trainer = await started(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'stage', live, 'a'], { detached: true, stdio: 'ignore' }));
    new StageWriter(live, 'a').status({ stage: 'a', target: 'local', total_steps: 2, updated: '', state: 'running', pid: trainer, host: hostname() });
    const l = await resume('live');
    assert.equal(l.code, 1);
    assert.match(l.out, new RegExp(`stage a of run live is running \\(pid ${trainer}\\); stop it first`));
    assert.ok(processAlive(trainer));
    assert.equal(JSON.parse(readFileSync(join(live, 'stages/a/status.json'), 'utf8')).pid, trainer);
  });
});
