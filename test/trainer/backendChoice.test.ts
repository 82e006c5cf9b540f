// Which backend a stage computes on, as recorded in run.json and printed: the optional tfjs-node packages are
// absent here, so the native kernels built with gcc (`native`, or `native+openblas` when libopenblas-dev is
// installed), the gcc kernels without OpenBLAS as on a fresh machine (S2T_OPENBLAS=0), plain wasm when the native
// kernels are off (S2T_NATIVE=0: the fallback that works anywhere), pure JS when forced — the same tiny stage
// trains on each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function runTiny(dir: string, id: string, env: Record<string, string>): { backend: string; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'run', join(dir, 'tiny.recipe.yaml'), '--run-id', id],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const meta = JSON.parse(readFileSync(join(dir, 'runs', 'tiny', id, 'run.json'), 'utf8')) as { backend: string };
  return { backend: meta.backend, out: r.stdout + r.stderr };
}

describe('backend choice (run.json records it)', function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-backend-'));
    copyFileSync(join(ROOT, 'test/fixtures/workspace/tiny.recipe.yaml'), join(dir, 'tiny.recipe.yaml'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without the optional tfjs-node packages: the native kernels (with OpenBLAS when installed), or plain wasm when off', () => {
    const auto = runTiny(dir, 'auto', {});
    assert.match(auto.backend, /^native(\+openblas)?$/);
    assert.match(auto.out, new RegExp(`backend ${auto.backend.replace('+', '\\+')}`));
    assert.equal(runTiny(dir, 'fresh', { S2T_OPENBLAS: '0' }).backend, 'native');
    assert.equal(runTiny(dir, 'plain', { S2T_NATIVE: '0' }).backend, 'wasm');
    // S2T_NATIVE_BLAS=0 is how a fresh machine (no libopenblas-dev) is simulated: the native kernels stay on.
    assert.equal(runTiny(dir, 'fresh-other-name', { S2T_NATIVE_BLAS: '0' }).backend, 'native');
  });

  it('a forced backend that is not installed fails the stage with a clear message recorded in status.json', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'run', join(dir, 'tiny.recipe.yaml'), '--run-id', 'absent'],
      { encoding: 'utf8', env: { ...process.env, S2T_BACKEND: 'tensorflow' } });
    assert.equal(r.status, 1);
    const status = JSON.parse(readFileSync(join(dir, 'runs', 'tiny', 'absent', 'stages', 'warmup', 'status.json'), 'utf8'));
    assert.equal(status.state, 'failed');
    assert.equal(status.exit_code, 1);
    assert.match(status.error, /no TensorFlow\.js backend could start: @tensorflow\/tfjs-node not available/);
    assert.match(r.stdout, /warmup\s+failed/);
  });

  it('pure JS when forced (the last fallback) still trains the stage', () => {
    assert.equal(runTiny(dir, 'cpu', { S2T_BACKEND: 'cpu' }).backend, 'cpu');
  });
});
