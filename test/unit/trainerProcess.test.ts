// Which recorded pid counts as a stage's trainer (and may be signalled): only a live process group leader on this
// host whose command line names the run and stage. pid 1, a reused pid, a zombie, a non-leader and another host's
// pid never do.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTrainer, isPlainPid, processInfo, sameProcessAlive } from '../../core/launch/trainerProcess';
import { descendants } from '../../core/launch/processTree';

const started = async (c: ChildProcess) => {
  await new Promise((r) => c.once('spawn', r));
  return c;
};

describe('trainer process identity', () => {
  const runDir = mkdtempSync(join(tmpdir(), 's2t-ident-'));
  const kids: ChildProcess[] = [];
  const keep = (c: ChildProcess) => (kids.push(c), c);
  after(() => kids.forEach((k) => k.kill('SIGKILL')));
  const trainerArgv = (stage = 's') => ['-e', 'setTimeout(() => {}, 30000)', 'stage', runDir, stage];

  it('accepts a live group leader named `stage <run> <stage>` on this host', async () => {
    const t = keep(await started(spawn(process.execPath, trainerArgv(), { detached: true, stdio: 'ignore' })));
    assert.deepEqual(checkTrainer({ pid: t.pid, host: hostname() }, runDir, 's'), { kind: 'ours', pid: t.pid });
    assert.deepEqual(checkTrainer({ pid: t.pid }, runDir, 's'), { kind: 'ours', pid: t.pid }, 'no host recorded: this host');
    assert.equal(checkTrainer({ pid: t.pid }, runDir, 'other').kind, 'gone', 'another stage of the run');
    assert.equal(checkTrainer({ pid: t.pid }, join(runDir, 'x'), 's').kind, 'gone', 'another run');
  });

  it('refuses pid 1, 0, negatives and non-numbers without looking them up', () => {
    for (const pid of [1, 0, -1, -42, 1.5, '123', null, 2 ** 60]) {
      const r = checkTrainer({ pid, host: hostname() }, runDir, 's');
      assert.equal(r.kind, 'gone', String(pid));
    }
    assert.equal(isPlainPid(1), false);
    assert.equal(processInfo(1), undefined);
  });

  it('refuses a live process that is another program (a reused or foreign pid)', async () => {
    const other = keep(await started(spawn('sleep', ['30'], { detached: true })));
    const r = checkTrainer({ pid: other.pid }, runDir, 's');
    assert.equal(r.kind, 'gone');
    assert.match((r as { why: string }).why, /another program/);
  });

  it('refuses a process that names the stage but does not lead its own group (not one a launcher started)', async () => {
    const t = keep(await started(spawn(process.execPath, trainerArgv(), { stdio: 'ignore' })));
    const r = checkTrainer({ pid: t.pid }, runDir, 's');
    assert.equal(r.kind, 'gone');
    assert.match((r as { why: string }).why, /not the leader of its process group/);
  });

  it('refuses a zombie and a dead pid; says "elsewhere" for another host', async () => {
    // `sh` execs `sleep 30`, which never reaps the child it inherited: once that child ends it is a zombie. The
    // child outlives the exec (0.3 s), so the shell cannot reap it first (it did under load with `true &`).
    const sh = keep(spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const zombie = Number(await new Promise<string>((r) => sh.stdout!.once('data', (d) => r(String(d)))));
    for (let i = 0; i < 250 && !processInfo(zombie)?.zombie; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processInfo(zombie)?.zombie, true);
    assert.match((checkTrainer({ pid: zombie }, runDir, 's') as { why: string }).why, /has exited/);
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    assert.match((checkTrainer({ pid: dead.pid }, runDir, 's') as { why: string }).why, /no longer running/);
    assert.deepEqual(checkTrainer({ pid: 1, host: 'node-07' }, runDir, 's'), { kind: 'elsewhere', host: 'node-07', pid: undefined });
  });

  it('tells a process apart from a later one with the same pid by its start time; finds descendants', async () => {
    const p = keep(await started(spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' })));
    const start = processInfo(p.pid!)!.start;
    assert.equal(sameProcessAlive(p.pid!, start), true);
    assert.equal(sameProcessAlive(p.pid!, `${start}1`), false);
    let kids2: number[] = [];
    for (let i = 0; i < 100 && !kids2.length; i++) {
      kids2 = descendants(p.pid!).map((d) => d.pid);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(kids2.length, 1);
    assert.deepEqual(processInfo(kids2[0])!.argv, ['sleep', '30']);
  });
});
