// A throw-away single-node SLURM cluster on localhost for the slurm test layer: slurm-local/start.sh (installs
// slurmctld/slurmd/munge from Debian if needed, ~15 s the first time) in a private folder on free ports, and
// stop.sh to take it down again. Needs root (as CI here runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = join(__dirname, 'slurm-local');

export interface LocalCluster {
  dir: string;
  /** Environment every SLURM tool call needs. */
  env: { SLURM_CONF: string };
  stop(): void;
}

/** Two ports nothing listens on (slurmctld and slurmd bind 127.0.0.1). */
async function freePorts(): Promise<[number, number]> {
  const one = () => new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
  return [await one(), await one()];
}

export async function startCluster(): Promise<LocalCluster> {
  if (process.getuid?.() !== 0) throw new Error('the slurm tests start a local SLURM cluster and need root');
  const dir = mkdtempSync(join(tmpdir(), 's2t-slurm-'));
  const [ctld, slurmd] = await freePorts();
  const env = { ...process.env, SLURM_LOCAL_DIR: dir, SLURM_CTLD_PORT: String(ctld), SLURMD_PORT: String(slurmd) };
  const r = spawnSync('bash', [join(HERE, 'start.sh')], { env, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) {
    spawnSync('bash', [join(HERE, 'stop.sh')], { env, encoding: 'utf8', timeout: 60000 });
    throw new Error(`slurm-local/start.sh failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  }
  return {
    dir,
    env: { SLURM_CONF: join(dir, 'etc/slurm.conf') },
    stop() {
      const s = spawnSync('bash', [join(HERE, 'stop.sh')], { env, encoding: 'utf8', timeout: 120000 });
      if (s.status !== 0) process.stderr.write(`slurm-local/stop.sh: ${s.stderr}\n`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
