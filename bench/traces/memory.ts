// Memory and responsiveness benchmark (issue 14 fault test): a 1 GB traces.jsonl and a 200 MB single line in
// a throwaway copy of the fixture workspace under /tmp, then a real VS Code (code-server harness) whose
// extension host opens the traces panel on both (bench/traces/host.ts measures). The files are deleted after.
// Last line: the extension host's heap peak against the 300 MB goal, with its idle baseline.
// Usage: flock /tmp/s2t-heavy.lock npx tsx bench/traces/memory.ts [--gb 1] [--line-mb 200]   (after npm run build)
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { runSuite } from '../../test/host/codeServer';
import { bundleForHost, fixtureWorkspace } from '../../test/host/hostBundle';
import { appendLongLine, writeSyntheticTraces } from './synthetic';

const root = join(__dirname, '../..');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

async function main(): Promise<number> {
  const outDir = join(root, 'out/bench', `traces-memory-${process.pid}`);
  const testsPath = await bundleForHost([{ in: join(__dirname, 'host.ts'), out: 'index' }], outDir);
  const workspace = fixtureWorkspace('s2t-traces-mem-');
  try {
    const recipeFile = join(workspace, 'tiny.recipe.yaml');
    const t = performance.now();
    const big = createRun({ recipeFile, runId: 'big-1gb' }).runDir;
    const bigFile = join(big, 'stages/textual/traces.jsonl');
    writeSyntheticTraces(bigFile, { n: Number.MAX_SAFE_INTEGER, bytes: arg('gb', 1) * 2 ** 30 });
    const line = createRun({ recipeFile, runId: 'line-200mb' }).runDir;
    const lineFile = join(line, 'stages/textual/traces.jsonl');
    writeSyntheticTraces(lineFile, { n: 100, seed: 2 });
    appendLongLine(lineFile, arg('line-mb', 200) * 2 ** 20);
    writeSyntheticTraces(lineFile, { n: 100, seed: 3 }, true);
    console.log(`written in ${((performance.now() - t) / 1000).toFixed(0)} s: ${(statSync(bigFile).size / 2 ** 30).toFixed(2)} GiB traces.jsonl; ${(statSync(lineFile).size / 2 ** 20).toFixed(0)} MiB file with one ${arg('line-mb', 200)} MiB line between 200 ordinary traces`);
    const { code, output } = await runSuite({ extensionPath: root, testsPath, workspace, timeoutMs: 1_200_000 });
    process.stdout.write(output);
    return code;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
