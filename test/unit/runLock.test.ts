// The run-directory lock that keeps two supervisors (windows) from writing one run: held while the window or its
// trainer lives, replaced when both are gone, adoptable by a new window when only the trainer survived.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, breakLock, readLock, releaseLock, updateLock, lockPath, type RunLock } from '../../extension/runs/runLock';
import { processStart } from '../../core/launch/trainerProcess';

/** A pid that is certainly dead: a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

describe('run lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-lock-'));
  });
  const write = (l: Partial<RunLock>) => writeFileSync(lockPath(dir), JSON.stringify({ host: hostname(), plan: [], since: '', ...l }));

  it('is taken once; a second acquire by the same window is refused', () => {
    const a = acquireLock(dir, { plan: ['a', 'b'] });
    assert.ok(a.ok);
    const b = acquireLock(dir, { plan: ['a'] });
    assert.equal(b.ok, false);
    assert.match((b as { reason: string }).reason, /already driven by this window/);
    updateLock(dir, { stage: 'a', trainerPid: 42 });
    assert.equal(readLock(dir)?.trainerPid, 42);
    releaseLock(dir);
    assert.equal(existsSync(lockPath(dir)), false);
  });

  it('is refused while another live process holds it, and replaced when its holder is dead', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      write({ hostPid: other.pid! });
      const r = acquireLock(dir, { plan: ['a'] });
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, new RegExp(`another VS Code window \\(pid ${other.pid}\\)`));
    } finally {
      other.kill();
    }
    write({ hostPid: await deadPid(), trainerPid: await deadPid() });
    const r = acquireLock(dir, { plan: ['b'] });
    assert.ok(r.ok, 'stale lock replaced');
    assert.equal(JSON.parse(readFileSync(lockPath(dir), 'utf8')).hostPid, process.pid);
  });

  it('counts a live trainer as holding the lock, unless a new window adopts exactly that trainer', async () => {
    const trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      write({ hostPid: await deadPid(), trainerPid: trainer.pid!, stage: 'b', plan: ['b', 'c'] });
      const r = acquireLock(dir, { plan: ['b'] });
      assert.equal(r.ok, false, 'the trainer still writes the run');
      assert.match((r as { reason: string }).reason, /running stage 'b'/);
      const adopt = acquireLock(dir, { plan: ['b', 'c'], stage: 'b', trainerPid: trainer.pid! }, trainer.pid!);
      assert.ok(adopt.ok);
    } finally {
      trainer.kill();
    }
  });

  it('treats a lock from another host as held (pids there cannot be checked) until it is broken by hand', () => {
    write({ hostPid: 1, host: 'elsewhere' });
    const r = acquireLock(dir, { plan: [] });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /on elsewhere/);
    assert.equal(breakLock(dir)?.host, 'elsewhere');
    assert.equal(existsSync(lockPath(dir)), false);
    assert.ok(acquireLock(dir, { plan: [] }).ok);
    assert.equal(breakLock(join(dir, 'no-such-run')), undefined, 'nothing to break is not an error');
  });

  it('records start times, so a pid reused by another process holds nothing', async () => {
    const a = acquireLock(dir, { plan: ['a'] });
    assert.ok(a.ok);
    assert.equal(readLock(dir)?.hostStart, processStart(process.pid));
    const trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      await new Promise((r) => trainer.once('spawn', r));
      updateLock(dir, { trainerPid: trainer.pid!, stage: 'a' });
      assert.equal(readLock(dir)?.trainerStart, processStart(trainer.pid!));
      releaseLock(dir);
      // The window is gone and the trainer pid now belongs to a process that started at another time.
      write({ hostPid: await deadPid(), trainerPid: trainer.pid!, trainerStart: '1', stage: 'a', plan: ['a'] });
      assert.ok(acquireLock(dir, { plan: ['b'] }).ok, 'a reused trainer pid does not hold the lock');
      releaseLock(dir);
      write({ hostPid: trainer.pid!, hostStart: '1', plan: ['a'] });
      assert.ok(acquireLock(dir, { plan: ['b'] }).ok, 'nor does a reused window pid');
    } finally {
      trainer.kill();
    }
  });
});
