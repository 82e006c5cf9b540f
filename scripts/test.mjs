// `npm test`: every test layer, in order, failing fast on none (each layer runs; the exit code is the
// worst). `npm test -- unit host` runs only the named layers. Prints a timing table at the end. A layer that
// needs Debian packages gets them first (apt-get as root) or is skipped with the reason (systemPackages.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYER_PACKAGES, ensurePackages } from './systemPackages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = join(root, 'node_modules/mocha/bin/mocha.js');
const hostDir = process.env.VSCODE_HOST_DIR || join(homedir(), '.cache/vscode-host');

/** Test files under a folder (recursively) matching *.test.ts. */
function testFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  const walk = (d) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.test.ts')) out.push(relative(root, p));
    }
  };
  walk(abs);
  return out;
}

const mochaLayer = (dir, timeout) => () => {
  const files = testFiles(dir);
  if (!files.length) return { skipped: `no tests in ${dir}` };
  return [[process.execPath, mocha, '--require', 'tsx/cjs', '--timeout', String(timeout), '--reporter', 'spec', ...files]];
};

const ensureHost = () => {
  if (existsSync(join(hostDir, '.complete'))) return [];
  console.log(`[test] no VS Code server in ${hostDir}: installing it once (~8 min on 2 cores, ~800 MB, cached for later runs)`);
  return [['bash', join(root, 'test/host/setup-code-server.sh'), hostDir]];
};

const LAYERS = [
  { name: 'static', why: 'type checks, generated types fresh', cmds: () => [
    [process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
    [process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', 'webviews/tsconfig.json'],
    [process.execPath, 'scripts/gen-types.mjs', '--check'],
  ] },
  { name: 'build', why: 'esbuild bundles', cmds: () => [[process.execPath, 'scripts/build.mjs']] },
  { name: 'unit', why: 'protocol, recipes, run directory, adapters', cmds: mochaLayer('test/unit', 20000) },
  { name: 'trainer', why: 'built-in trainer: GRPO pieces, rewards, learning, resume', cmds: mochaLayer('test/trainer', 900000) },
  { name: 'webview', why: 'panels in headless chromium', cmds: mochaLayer('test/webview', 120000) },
  { name: 'faults', why: 'kill -9 and resume, a full disk, a hostile workspace (real processes; tmpfs needs root)', cmds: mochaLayer('test/faults', 400000) },
  { name: 'host', why: 'extension in a real VS Code (code-server)', cmds: () => [...ensureHost(), [process.execPath, '--require', 'tsx/cjs', 'test/host/run.ts']] },
  { name: 'slurm', why: 'SLURM target against a real single-node SLURM', cmds: () => (process.getuid?.() === 0 ? mochaLayer('test/slurm', 600000)()
    : { skipped: 'starts its own SLURM daemons (slurmctld, slurmd, munged): run as root' }) },
  { name: 'ui', why: "a user's path: installed .vsix, palette, panel", cmds: () => {
    const tests = mochaLayer('test/ui', 600000)();
    return Array.isArray(tests) ? [...ensureHost(), ...tests] : tests;
  } },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !LAYERS.some((l) => l.name === w));
if (unknown.length) {
  console.error(`unknown test layer(s): ${unknown.join(', ')}; layers: ${LAYERS.map((l) => l.name).join(', ')}`);
  process.exit(2);
}
const layers = wanted.length ? LAYERS.filter((l) => wanted.includes(l.name) || (l.name === 'build' && !wanted.includes('static'))) : LAYERS;

const results = [];
const t0 = Date.now();
for (const layer of layers) {
  const start = Date.now();
  console.log(`\n━━━ ${layer.name}: ${layer.why}`);
  const missing = LAYER_PACKAGES[layer.name] ? ensurePackages(LAYER_PACKAGES[layer.name]) : undefined;
  const cmds = missing ? { skipped: missing } : layer.cmds();
  let status = 'passed';
  if (!Array.isArray(cmds)) {
    status = `skipped (${cmds.skipped})`;
    console.log(`[test] ${layer.name} ${status}`);
  } else {
    for (const [cmd, ...args] of cmds) {
      const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
      if (r.status !== 0) {
        status = `FAILED (${[cmd, ...args].map((a) => relative(root, a) || a).join(' ').slice(0, 100)} exited ${r.status ?? r.signal})`;
        break;
      }
    }
  }
  results.push({ name: layer.name, status, seconds: (Date.now() - start) / 1000 });
}

console.log('\n━━━ summary');
for (const r of results) console.log(`${r.name.padEnd(8)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.status}`);
console.log(`total    ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} s`);
process.exit(results.some((r) => r.status.startsWith('FAILED')) ? 1 : 0);
