// Which TensorFlow.js backend a stage computes on, as recorded in run.json and printed: the optional native
// packages are absent here, so wasm (with matmuls on OpenBLAS when the optional addon builds), plain wasm when
// the addon is turned off, pure JS when forced — and the same tiny stage trains on each.
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

  it('without the optional tfjs-node packages: wasm, with or without the OpenBLAS matmul addon', () => {
    const auto = runTiny(dir, 'auto', {});
    assert.match(auto.backend, /^wasm(\+openblas)?$/);
    assert.match(auto.out, new RegExp(`backend ${auto.backend.replace('+', '\\+')}`));
    assert.equal(runTiny(dir, 'plain', { S2T_NATIVE_BLAS: '0' }).backend, 'wasm');
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
