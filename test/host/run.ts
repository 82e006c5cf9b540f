// Runs the extension-host suites in a real VS Code: bundles test/host/suite/*.test.ts, copies the fixture
// workspace to a temp folder, and runs the suite inside the extension host. Exit code = result.
// Env: S2T_GREP=<mocha grep>; VSCODE_EXECUTABLE_PATH=<desktop VS Code> uses @vscode/test-electron instead.
import * as esbuild from 'esbuild';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuite } from './codeServer';

const root = join(__dirname, '../..');
// Per-process folder inside the repo (so the bundles resolve mocha from node_modules) that parallel runs do not share.
const outDir = join(root, 'out/test', `host-${process.pid}`);

async function bundleSuite(): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  const suiteDir = join(__dirname, 'suite');
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts') || f === 'index.ts').map((f) => join(suiteDir, f));
  await esbuild.build({
    entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
    external: ['vscode', 'mocha', 'playwright-core'], sourcemap: 'inline', logLevel: 'warning', mainFields: ['module', 'main'],
  });
  return join(outDir, 'index.js');
}

async function main(): Promise<number> {
  const testsPath = await bundleSuite();
  const workspace = mkdtempSync(join(tmpdir(), 's2t-ws-'));
  cpSync(join(root, 'test/fixtures/workspace'), workspace, { recursive: true });
  const env = { S2T_GREP: process.env.S2T_GREP ?? '', S2T_REPO: root };
  if (process.env.VSCODE_EXECUTABLE_PATH) {
    const { runTests } = await import('@vscode/test-electron');
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH, extensionDevelopmentPath: root,
      extensionTestsPath: testsPath, launchArgs: [workspace, '--disable-extensions'], extensionTestsEnv: env,
    });
    return 0;
  }
  const { code, output } = await runSuite({ extensionPath: root, testsPath, workspace, env, timeoutMs: Number(process.env.TEST_TIMEOUT_MS || 900000) });
  process.stdout.write(output);
  if (!process.env.KEEP_TMP) {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  return code;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
