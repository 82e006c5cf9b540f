// Mocha entry INSIDE the VS Code extension host (extensionTestsPath). Runs every *.test.js beside it.
// Output is mirrored to $EXT_TEST_LOG because a remote extension host's console goes to the browser.
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
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: false, reporter: 'spec', grep: process.env.S2T_GREP || undefined });
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.resolve(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} tests failed.`)) : resolve()));
  });
}
