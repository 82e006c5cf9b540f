// Runs the extension-host suites in a real VS Code: bundles test/host/suite/*.test.ts, copies the fixture
// workspace to a temp folder, and runs the suite inside the extension host. Exit code = result.
// Env: S2T_GREP=<mocha grep>; VSCODE_EXECUTABLE_PATH=<desktop VS Code> uses @vscode/test-electron instead.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSuite } from './codeServer';
import { bundleForHost, fixtureWorkspace } from './hostBundle';

const root = join(__dirname, '../..');
// Per-process folder inside the repo (so the bundles resolve mocha from node_modules) that parallel runs do not share.
const outDir = join(root, 'out/test', `host-${process.pid}`);

/** Bundles a suite folder's *.test.ts (with suite/index.ts as the mocha entry) into its own output folder. */
async function bundleSuite(name = 'suite'): Promise<string> {
  const dir = join(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  const suiteDir = join(__dirname, name);
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts')).map((f) => ({ in: join(suiteDir, f), out: f.replace(/\.ts$/, '') }));
  return bundleForHost([...entries, { in: join(__dirname, 'suite', 'index.ts'), out: 'index' }], dir);
}

async function main(): Promise<number> {
  const testsPath = await bundleSuite();
  const workspace = fixtureWorkspace('s2t-ws-');
  const env = { S2T_GREP: process.env.S2T_GREP ?? '', S2T_REPO: root };
  if (process.env.VSCODE_EXECUTABLE_PATH) {
    const { runTests } = await import('@vscode/test-electron');
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH, extensionDevelopmentPath: root,
      extensionTestsPath: testsPath, launchArgs: [workspace, '--disable-extensions'], extensionTestsEnv: env,
    });
    return 0;
  }
  const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 900000);
  let { code, output } = await runSuite({ extensionPath: root, testsPath, workspace, env, timeoutMs });
  process.stdout.write(output);
  // Restricted Mode: suite-untrusted/ runs in a workspace that is not trusted (titles start "untrusted workspace").
  const grep = process.env.S2T_GREP;
  if (existsSync(join(__dirname, 'suite-untrusted')) && (!grep || new RegExp(grep).test('untrusted workspace'))) {
    const ws = fixtureWorkspace('s2t-ws-untrusted-');
    const r = await runSuite({ extensionPath: root, testsPath: await bundleSuite('suite-untrusted'), workspace: ws, env, timeoutMs, untrusted: true });
    process.stdout.write(r.output);
    code ||= r.code;
    if (!process.env.KEEP_TMP) rmSync(ws, { recursive: true, force: true });
  }
  if (!process.env.KEEP_TMP) {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  return code;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
