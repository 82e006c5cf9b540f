// The newcomer's first command, timed (`npx tsx bench/trainer/staged.ts [--configs native,native+openblas,wasm]
// [--scale 1]`): `see2think run examples/staged.recipe.yaml` from a fresh run folder with the built CLI (dist/cli.js,
// as the .vsix ships it), once per backend configuration, the configurations in turn — native (gcc kernels, no
// OpenBLAS: a fresh machine), native+openblas, and plain wasm (S2T_NATIVE=0), the baseline the ratios are taken
// against. Per run: wall time, each stage's time and s/step (from its status.json), and the peak RSS of the
// trainer processes (VmHWM, polled). --scale f runs every stage for f of its steps (validation and checkpoint
// intervals scaled alike) for a quicker comparison. Prints the load average; the last line is the headline.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SCALE = Number(arg('scale', '1'));
const ENVS: Record<string, Record<string, string>> = { native: { S2T_OPENBLAS: '0' }, 'native+openblas': {}, wasm: { S2T_NATIVE: '0' } };
const CONFIGS = arg('configs', 'native,native+openblas,wasm').split(',');
for (const c of CONFIGS) if (!ENVS[c]) throw new Error(`unknown configuration ${c}: ${Object.keys(ENVS).join(', ')}`);

interface Run {
  config: string;
  backend: string;
  seconds: number;
  peakRssMb: number;
  stages: { id: string; steps: number; seconds: number }[];
}

/** The example recipe with every stage's steps (and its validation/checkpoint intervals) scaled. */
function recipeText(): string {
  const text = readFileSync(join(ROOT, 'examples/staged.recipe.yaml'), 'utf8');
  if (SCALE === 1) return text;
  const r = parse(text);
  const scale = (n: number) => Math.max(1, Math.round(n * SCALE));
  for (const s of r.stages) {
    s.steps = scale(s.steps);
    s.algorithm = { ...s.algorithm, val_freq: scale(s.algorithm?.val_freq ?? r.defaults.algorithm.val_freq), save_freq: scale(s.algorithm?.save_freq ?? r.defaults.algorithm.save_freq) };
  }
  return stringify(r);
}

/** Peak resident memory (MB) over the process tree under `root`, read from /proc while it runs. */
function peakRss(root: number, seen: Map<number, number>): void {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  const walk = (pid: number) => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) seen.set(pid, Math.max(seen.get(pid) ?? 0, Number(m[1]) / 1024));
    } catch {
      // gone
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
}

async function runOnce(config: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 's2t-staged-'));
  try {
    writeFileSync(join(dir, 'staged.recipe.yaml'), recipeText());
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'run', join(dir, 'staged.recipe.yaml'), '--run-id', config.replace('+', '-')], {
      env: { ...process.env, ...ENVS[config] }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const rss = new Map<number, number>();
    const poll = setInterval(() => peakRss(child.pid!, rss), 250);
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    clearInterval(poll);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`${config}: see2think run exited ${code}:\n${out.slice(-3000)}`);
    const runDir = join(dir, 'runs', 'staged', config.replace('+', '-'));
    const stageOrder = (parse(readFileSync(join(dir, 'staged.recipe.yaml'), 'utf8')).stages as { id: string }[]).map((s) => s.id);
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { backend: string };
    const stages = readdirSync(join(runDir, 'stages')).filter((s) => existsSync(join(runDir, 'stages', s, 'status.json'))).map((id) => {
      const st = JSON.parse(readFileSync(join(runDir, 'stages', id, 'status.json'), 'utf8')) as { started: string; ended: string; step: number };
      return { id, steps: st.step, seconds: (Date.parse(st.ended) - Date.parse(st.started)) / 1000 };
    }).sort((a, b) => stageOrder.indexOf(a.id) - stageOrder.indexOf(b.id));
    return { config, backend: meta.backend, seconds, peakRssMb: Math.max(0, ...rss.values()), stages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js missing: run `npm run build` first');
  console.log(`staged example${SCALE === 1 ? '' : ` at ${SCALE} of its steps`}, configurations ${CONFIGS.join(', ')}; load average at start ${load()} (${cpus().length} cores)`);
  const runs: Run[] = [];
  for (const c of CONFIGS) {
    const r = await runOnce(c);
    runs.push(r);
    console.log(`${c.padEnd(16)} backend ${r.backend.padEnd(16)} ${r.seconds.toFixed(1).padStart(7)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB (load ${load()})`);
    for (const s of r.stages) console.log(`    ${s.id.padEnd(12)} ${s.seconds.toFixed(1).padStart(7)} s  ${(s.seconds / Math.max(1, s.steps)).toFixed(3)} s/step over ${s.steps} steps (validation included)`);
  }
  const base = runs.find((r) => r.config === 'wasm');
  const head = runs.filter((r) => r.config !== 'wasm').map((r) => {
    const goal = r.config === 'native' ? 600 : 240;
    return `${r.config} ${r.seconds.toFixed(0)} s (goal ≤ ${(goal * SCALE).toFixed(0)} s${base ? `; ${(base.seconds / r.seconds).toFixed(1)}× plain wasm's ${base.seconds.toFixed(0)} s` : ''}), peak RSS ${r.peakRssMb.toFixed(0)} MB (goal < 1536)`;
  });
  console.log(`load average at end ${load()}`);
  console.log(head.length ? head.join('; ') : `plain wasm ${base!.seconds.toFixed(0)} s`);
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
