// Builds every bundle with esbuild: the extension (Node, 'vscode' external), the CLI/trainer (Node),
// and one browser bundle per webview panel (webviews/<panel>/main.ts). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const dist = join(root, 'dist');

// Native/optional trainer backends are loaded at run time when installed, never bundled.
const optionalNative = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

const node = {
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true,
  minify: production, logLevel: 'warning', external: ['vscode', ...optionalNative],
  // jsonc-parser's "main" is a UMD build with dynamic requires esbuild cannot follow; prefer ESM entries.
  mainFields: ['module', 'main'],
};

const webviewEntries = existsSync(join(root, 'webviews'))
  ? readdirSync(join(root, 'webviews'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, 'webviews', d.name, 'main.ts')))
      .map((d) => ({ in: join(root, 'webviews', d.name, 'main.ts'), out: d.name }))
  : [];

const builds = [
  { ...node, entryPoints: { extension: join(root, 'extension/extension.ts') }, outdir: dist },
  { ...node, entryPoints: { cli: join(root, 'cli/main.ts') }, outdir: dist },
  {
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true,
    minify: production, logLevel: 'warning', entryPoints: webviewEntries, outdir: join(dist, 'webviews'),
    loader: { '.ttf': 'file', '.css': 'css' },
  },
];

// The wasm backend fetches its .wasm binaries from disk at run time: ship them beside the CLI bundle.
function copyWasm() {
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const out = join(dist, 'wasm');
  mkdirSync(out, { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    const src = join(wasmDir, 'dist', f);
    if (existsSync(src)) copyFileSync(src, join(out, f));
  }
}

// The trainer's native kernels are compiled on the user's machine at first use (gcc -march=native): ship
// their C sources beside the CLI bundle (dist/native), which trainer/native/nativeLib.ts finds there.
function copyNativeSources() {
  const src = join(root, 'trainer', 'native');
  const out = join(dist, 'native');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(src).filter((f) => /\.[ch]$/.test(f))) copyFileSync(join(src, f), join(out, f));
}

// Codicons' font + CSS are referenced from webviews as local resources of the extension.
function copyCodicons() {
  const dir = join(dirname(require.resolve('@vscode/codicons/package.json')), 'dist');
  const out = join(dist, 'codicons');
  mkdirSync(out, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join(dir, f), join(out, f));
}

// The external trainers load See2Think's reward as a Python module (core/external/rewardModule.ts finds it
// in dist/python/ next to the bundles).
function copyPython() {
  const src = join(root, 'core/external/python');
  const out = join(dist, 'python');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(src).filter((n) => n.endsWith('.py'))) copyFileSync(join(src, f), join(out, f));
}

const t0 = Date.now();
mkdirSync(dist, { recursive: true });
copyWasm();
copyNativeSources();
copyCodicons();
copyPython();
// VS Code's JSON language server validates *.recipe.json against this copy (package.json jsonValidation).
copyFileSync(join(root, 'protocol/recipe.schema.json'), join(dist, 'recipe.schema.json'));
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('[build] watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[build] dist/ built in ${Date.now() - t0} ms`);
}
