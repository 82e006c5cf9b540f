// Mocha entry INSIDE the VS Code extension host (extensionTestsPath). Runs every *.test.js beside it.
// Output is mirrored to $EXT_TEST_LOG because a remote extension host's console goes to the browser.
// A suite may reload the window (*.reload.test.js, run last): the reload restarts this entry in a new extension
// host, so before reloading the suite leaves a marker beside the log naming what to run after the reload, and
// failures are counted in a file so that those before the reload still fail the run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const out = process.env.EXT_TEST_LOG;
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...a: unknown[]) => void };
  const orig = base.consoleLog;
  base.consoleLog = (...a: unknown[]) => {
    const line = util.format(...a);
    if (out) fs.appendFileSync(out, line + '\n');
    orig(line);
  };
  const marker = out ? path.join(path.dirname(out), 'reload-phase.json') : undefined;
  const failFile = out ? path.join(path.dirname(out), 'failures-before-reload') : undefined;
  const afterReload = marker !== undefined && fs.existsSync(marker);
  const grep = afterReload ? (JSON.parse(fs.readFileSync(marker, 'utf8')) as { grep: string }).grep : process.env.S2T_GREP || undefined;
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: false, reporter: 'spec', grep });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  const last = (f: string) => (f.endsWith('.reload.test.js') ? 1 : 0);
  for (const f of files.sort((a, b) => last(a) - last(b))) mocha.addFile(path.resolve(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const before = afterReload && failFile && fs.existsSync(failFile) ? fs.readFileSync(failFile, 'utf8').length : 0;
      const total = afterReload ? failures + before : failures;
      if (before) orig(`${before} test(s) failed before the window reload`);
      if (total) reject(new Error(`${total} tests failed.`));
      else resolve();
    });
    if (failFile && !afterReload) {
      runner.on('fail', (test: Mocha.Runnable, err: Error) => {
        fs.appendFileSync(failFile, 'x');
        // If the window reloads later, mocha never prints this failure's details: keep them in the log now.
        if (out) fs.appendFileSync(out, `FAILED: ${test.fullTitle()}: ${err?.stack ?? err}\n`);
      });
    }
  });
}
