// A stage process refuses to run a stage that a live process on this host is running, and takes over one whose
// recorded process is gone (a crash or SIGKILL leaves `running` behind).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageStatus } from '../../protocol/runRecords';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { claimStage } from '../../core/rundir/runningStatus';

const running = (pid: number, host = hostname()): StageStatus => ({
  stage: 's', state: 'running', target: 'local', pid, host, started: new Date().toISOString(), updated: new Date().toISOString(), step: 3, total_steps: 10,
});

describe('claimStage', () => {
  let runDir: string;
  beforeEach(() => (runDir = mkdtempSync(join(tmpdir(), 's2t-claim-'))));
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  it('refuses a stage that its live trainer on this host runs, naming its pid', async () => {
    // A trainer as the launchers start one: its own process group, `… stage <run-dir> <stage-id>` on its command line.
    const trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'stage', runDir, 's'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => trainer.once('spawn', r));
    try {
      new StageWriter(runDir, 's').status(running(trainer.pid!));
      assert.throws(() => claimStage(runDir, 's'), new RegExp(`stage s is already running \\(pid ${trainer.pid}\\)`));
    } finally {
      trainer.kill('SIGKILL');
    }
  });

  it('takes over a stage whose recorded pid is now another program (a reused pid holds nothing)', async () => {
    const other = spawn('sleep', ['30']);
    await new Promise((r) => other.once('spawn', r));
    try {
      new StageWriter(runDir, 's').status(running(other.pid!));
      assert.equal(claimStage(runDir, 's')?.pid, other.pid);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a stage whose process is gone, or that runs on another host, or that it runs itself', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    new StageWriter(runDir, 's').status(running(gone.pid!));
    assert.equal(claimStage(runDir, 's')?.step, 3);
    new StageWriter(runDir, 's').status(running(process.ppid, 'another-host'));
    assert.equal(claimStage(runDir, 's')?.host, 'another-host');
    new StageWriter(runDir, 's').status(running(process.pid));
    assert.equal(claimStage(runDir, 's')?.pid, process.pid);
  });

  it('has nothing to claim in a fresh stage', () => assert.equal(claimStage(runDir, 'new'), undefined));
});
