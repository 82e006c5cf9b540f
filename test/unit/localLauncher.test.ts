import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLauncher, processAlive } from '../../core/launch/local';

const node = process.execPath;

describe('local launch target (child process groups)', function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 's2t-launch-'))));

  it('streams stdout lines, sends stderr to log.txt, reports success', async () => {
    const h = await new LocalLauncher().start({
      runDir: dir, stageId: 's', logFile: join(dir, 'log.txt'),
      argv: [node, '-e', 'console.log("a"); console.error("to the log"); console.log("b")'],
    });
    const lines: string[] = [];
    h.onStdoutLine((l) => lines.push(l));
    const exit = await h.wait();
    assert.deepEqual(exit, { state: 'succeeded', exitCode: 0, signal: null });
    assert.deepEqual(lines, ['a', 'b']);
    assert.equal(readFileSync(join(dir, 'log.txt'), 'utf8'), 'to the log\n');
  });

  it('reports a failing exit code', async () => {
    const h = await new LocalLauncher().start({ runDir: dir, stageId: 's', logFile: join(dir, 'log.txt'), argv: [node, '-e', 'process.exit(3)'] });
    assert.deepEqual(await h.wait(), { state: 'failed', exitCode: 3, signal: null, error: 'trainer exited with code 3' });
  });

  it('a stage folder removed by hand is made again for its log (not an ENOENT)', async () => {
    const logFile = join(dir, 'stages', 'gone', 'log.txt');
    const h = await new LocalLauncher().start({ runDir: dir, stageId: 'gone', logFile, argv: [node, '-e', 'console.error("hello")'] });
    assert.equal((await h.wait()).state, 'succeeded');
    assert.match(readFileSync(logFile, 'utf8'), /hello/);
  });

  it('a missing executable is a clear error, not a hang', async () => {
    await assert.rejects(new LocalLauncher().start({ runDir: dir, stageId: 's', logFile: join(dir, 'log.txt'), argv: ['/no/such/trainer'] }), /cannot start \/no\/such\/trainer/);
  });

  it('cancel reaches every descendant of the process group', async () => {
    // The stage spawns a grandchild that ignores nothing and sleeps; both must be gone after cancel.
    const script = `
      const { spawn } = require('child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log(String(g.pid));
      setInterval(() => {}, 1000);`;
    const h = await new LocalLauncher().start({ runDir: dir, stageId: 's', logFile: join(dir, 'log.txt'), argv: [node, '-e', script] });
    const grandchild = await new Promise<number>((r) => h.onStdoutLine((l) => r(Number(l))));
    assert.ok(processAlive(grandchild));
    await h.cancel(2000);
    assert.equal((await h.wait()).state, 'cancelled');
    for (let i = 0; i < 40 && processAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(processAlive(grandchild), false, 'grandchild survived cancel');
  });

  it('re-attaches to a running stage by pid and sees it end', async () => {
    const first = await new LocalLauncher().start({ runDir: dir, stageId: 's', logFile: join(dir, 'log.txt'), argv: [node, '-e', 'setTimeout(() => {}, 800)'] });
    const again = new LocalLauncher().attach(first.id);
    assert.ok(again, 'attached');
    const exit = await again.wait();
    assert.equal(exit.state, 'failed');
    assert.equal(new LocalLauncher().attach(first.id), undefined, 'no attach to a dead pid');
  });
});
