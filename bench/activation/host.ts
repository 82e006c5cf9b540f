// Runs INSIDE a real VS Code extension host (bundled by bench/activation/run.ts): the extension's activation
// cost — loading its bundle (a fresh require of dist/extension.js, median of 7) plus activate() itself — and,
// as the in-run baseline, what activation would cost if the deferred parts (run store, supervisor, recipe
// validator: loaded on the next tick) were loaded eagerly.
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { See2ThinkApi } from '../../extension/extension';

const out = (line: string) => (process.env.EXT_TEST_LOG ? appendFileSync(process.env.EXT_TEST_LOG, line + '\n') : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<See2ThinkApi>('see2think.see2think')!;
  for (let i = 0; i < 300 && !ext.isActive; i++) await sleep(100);
  const api = ext.exports;
  await api.runs!.core();
  const bundle = require.resolve(`${ext.extensionPath}/dist/extension.js`);
  const loads: number[] = [];
  for (let i = 0; i < 7; i++) {
    delete require.cache[bundle];
    const t0 = performance.now();
    require(bundle);
    loads.push(performance.now() - t0);
  }
  const load = median(loads);
  const activate = api.activationMs!;
  const coreImport = api.runs!.coreImportMs!;
  const total = load + activate;
  out(`bundle load (fresh require, median of 7): ${load.toFixed(1)} ms; activate(): ${activate.toFixed(1)} ms`);
  out(`deferred core, loaded on the next tick: import + construct ${coreImport.toFixed(1)} ms; ready after first discovery and recovery ${api.runs!.coreLoadMs!.toFixed(1)} ms`);
  out(`activation: ${total.toFixed(1)} ms vs ${(total + coreImport).toFixed(1)} ms with the core imported eagerly = ${((total + coreImport) / total).toFixed(1)}× less (goal ≤ 50 ms)`);
}
