// Freshness benchmark: in a real VS Code (code-server harness, headless chromium), how long from a metric line
// appended to metrics.jsonl until the dashboard page has drawn it; p50/p95 over ≥ 200 points, for a writer
// process and for the real trainer. Last line: p95 against TensorBoard's 30 s reload.
// Usage: npx tsx bench/freshness/run.ts   (after npm run build; env S2T_FRESH_POINTS, S2T_FRESH_INTERVAL_MS, S2T_FRESH_METRICS; S2T_FRESH_DEBUG=1 lists slow frames)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSuite } from '../../test/host/codeServer';
import { bundleForHost, fixtureWorkspace } from '../../test/host/hostBundle';

const root = join(__dirname, '../..');

async function main(): Promise<number> {
  const outDir = join(root, 'out/bench', `freshness-${process.pid}`);
  const testsPath = await bundleForHost([{ in: join(__dirname, 'host.ts'), out: 'index' }], outDir);
  const workspace = fixtureWorkspace('s2t-fresh-');
  const env: Record<string, string> = {};
  for (const k of ['S2T_FRESH_POINTS', 'S2T_FRESH_INTERVAL_MS', 'S2T_FRESH_METRICS', 'S2T_FRESH_DEBUG']) if (process.env[k]) env[k] = process.env[k]!;
  try {
    const { code, output } = await runSuite({ extensionPath: root, testsPath, workspace, env, timeoutMs: 600000 });
    process.stdout.write(output);
    return code;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
