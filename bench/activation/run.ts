// Activation and package size: activation time measured inside a real VS Code extension host (code-server
// harness) with the deferred core as the in-run baseline, and the .vsix size from `vsce package
// --no-dependencies`. Last line: the headline figures against the goals (≤ 50 ms, ≤ 15 MB).
// Usage: npx tsx bench/activation/run.ts   (after npm run build)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuite } from '../../test/host/codeServer';
import { bundleForHost, fixtureWorkspace } from '../../test/host/hostBundle';

const root = join(__dirname, '../..');

async function main(): Promise<number> {
  const outDir = join(root, 'out/bench', `activation-${process.pid}`);
  const testsPath = await bundleForHost([{ in: join(__dirname, 'host.ts'), out: 'index' }], outDir);
  const workspace = fixtureWorkspace('s2t-act-');
  const vsixDir = mkdtempSync(join(tmpdir(), 's2t-vsix-'));
  try {
    const { code, output } = await runSuite({ extensionPath: root, testsPath, workspace, timeoutMs: 300000 });
    process.stdout.write(output);
    if (code) return code;
    const vsix = join(vsixDir, 'see2think.vsix');
    const r = spawnSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vsce package failed: ${r.stderr || r.stdout}`);
    const mb = statSync(vsix).size / (1 << 20);
    const act = /^activation: ([\d.]+) ms/m.exec(output)?.[1];
    console.log(`.vsix: ${mb.toFixed(2)} MB (vsce package --no-dependencies)`);
    console.log(`activation ${act} ms (goal ≤ 50 ms: ${(50 / Number(act)).toFixed(1)}× under), .vsix ${mb.toFixed(2)} MB (goal ≤ 15 MB: ${(15 / mb).toFixed(1)}× under)`);
    return 0;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
    rmSync(vsixDir, { recursive: true, force: true });
  }
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
