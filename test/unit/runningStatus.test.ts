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

  it('refuses a stage that a live process on this host runs, naming its pid', async () => {
    const other = spawn('sleep', ['30']);
    try {
      new StageWriter(runDir, 's').status(running(other.pid!));
      assert.throws(() => claimStage(runDir, 's'), new RegExp(`stage s is already running \\(pid ${other.pid}\\)`));
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
