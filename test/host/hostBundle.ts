// What runs inside the VS Code extension host (the host suites, the activation and freshness benchmarks' probes)
// is bundled one way and given a throwaway copy of the fixture workspace.
import * as esbuild from 'esbuild';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** Bundles `entries` (one of them out: 'index', the entry the host loads) into `outDir`; returns that entry's path. */
export async function bundleForHost(entries: { in: string; out: string }[], outDir: string): Promise<string> {
  await esbuild.build({
    entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
    external: ['vscode', 'mocha', 'playwright-core'], sourcemap: 'inline', logLevel: 'warning', mainFields: ['module', 'main'],
  });
  return join(outDir, 'index.js');
}

/** A temp copy of test/fixtures/workspace (a host run may write into its workspace). */
export function fixtureWorkspace(prefix: string): string {
  const workspace = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(root, 'test/fixtures/workspace'), workspace, { recursive: true });
  return workspace;
}
