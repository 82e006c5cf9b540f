// Checkpoints survive a power loss and a damaged file: every data file and the folder are fsynced before
// meta.json (which marks the checkpoint complete) is renamed in, and a checkpoint that cannot be loaded is moved
// aside and the one before it used, with a warning. The fsync/rename order is observed at the fs module.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { backend, smallConfig } from './helpers';
import { initParams } from '../../trainer/model/vlm';
import { makePolicy } from '../../trainer/algo/policy';
import { loadLatestCheckpoint, saveCheckpoint } from '../../trainer/model/checkpoint';
import { checkpointDir, latestCheckpoint } from '../../core/rundir/checkpointPaths';

// The module object (writable): the checkpoint code's named fs imports are looked up on it at each call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as Record<'openSync' | 'fsyncSync' | 'renameSync', (...a: unknown[]) => unknown>;

describe('checkpoint durability', () => {
  before(backend);
  const cfg = smallConfig();
  let stage: string;
  beforeEach(() => (stage = mkdtempSync(join(tmpdir(), 's2t-durable-'))));
  afterEach(() => rmSync(stage, { recursive: true, force: true }));
  const save = (step: number) => {
    const policy = makePolicy(cfg, initParams(cfg, step), false);
    saveCheckpoint({ dir: checkpointDir(stage, step), cfg, params: policy.params, adam: policy.adam, meta: { step, stage: 's', time: `t${step}`, parent: null } });
  };

  it('fsyncs weights, optimizer and the folder before meta.json is renamed in', () => {
    const real = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, renameSync: fs.renameSync };
    const paths = new Map<unknown, string>();
    const events: string[] = [];
    fs.openSync = (...a) => {
      const fd = real.openSync(...a);
      paths.set(fd, String(a[0]));
      return fd;
    };
    fs.fsyncSync = (...a) => {
      events.push(`fsync ${basename(paths.get(a[0]) ?? '?').replace(/\.\d+(\.\d+)?\.tmp$/, '.tmp')}`);
      return real.fsyncSync(...a);
    };
    fs.renameSync = (...a) => {
      events.push(`rename ${basename(String(a[1]))}`);
      return real.renameSync(...a);
    };
    try {
      save(4);
    } finally {
      Object.assign(fs, real);
    }
    const at = (e: string) => {
      const i = events.indexOf(e);
      assert.ok(i >= 0, `${e} in ${events.join(', ')}`);
      return i;
    };
    assert.ok(at('fsync weights.bin.tmp') < at('rename weights.bin'));
    assert.ok(at('fsync optimizer.bin.tmp') < at('rename optimizer.bin'));
    const dirSync = events.indexOf('fsync step-4');
    assert.ok(dirSync > at('rename optimizer.bin') && dirSync < at('rename meta.json'), events.join(', '));
    assert.ok(events.lastIndexOf('fsync step-4') > at('rename meta.json'), 'the rename of meta.json is made durable too');
  });

  it('uses the previous checkpoint when the latest cannot be loaded, moves the bad one aside and says so', () => {
    save(2);
    save(4);
    truncateSync(join(checkpointDir(stage, 4), 'weights.bin'), 100); // what a power loss without fsync leaves
    const warnings: string[] = [];
    const ck = loadLatestCheckpoint(stage, (m) => warnings.push(m), { optimizer: true })!;
    assert.equal(ck.step, 2);
    assert.equal(ck.meta.time, 't2');
    assert.ok(ck.adam);
    assert.match(warnings.join('\n'), /checkpoint step-4 cannot be loaded \(.*weights\.bin: 100 bytes, expected \d+.*moved to .*step-4\.unusable-.*\): continuing from step-2 instead/);
    assert.equal(latestCheckpoint(stage)?.step, 2, 'no longer the latest for anyone');
    assert.ok(readdirSync(join(stage, 'checkpoints')).some((n) => n.startsWith('step-4.unusable-')), 'kept for a look');
    truncateSync(join(checkpointDir(stage, 2), 'weights.bin'), 10);
    assert.throws(() => loadLatestCheckpoint(stage, () => undefined), /no checkpoint of .* can be loaded: checkpoint step-2 cannot be loaded/);
    assert.equal(existsSync(checkpointDir(stage, 2)), false);
    assert.equal(loadLatestCheckpoint(join(stage, 'none'), () => undefined), undefined);
  });
});
