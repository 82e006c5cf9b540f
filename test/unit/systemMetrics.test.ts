// System metrics (core/system): nvidia-smi's query output and sstat's parsable output parsed as the real
// tools print them (test/fixtures/system), the stage's process tree measured from the real /proc, and the
// sampler with a stand-in nvidia-smi on PATH (it checks the query it is asked and prints the fixture), or with
// none: then a note, once, and no GPU values — CPU and memory still come.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPU_FIELDS, parseGpuQuery, queryGpus, visibleGpus } from '../../core/system/gpuQuery';
import { parseProcStat, parseVmRss, treeUsage } from '../../core/system/processTree';
import { parseSstat, slurmBytes, slurmSeconds, sstatArgs } from '../../core/system/jobUsage';
import { SystemSampler, stageSampler } from '../../core/system/systemSampler';
import { systemLine } from '../../core/system/systemSummary';
import { METRICS } from '../../protocol/metrics';
import { standInNvidiaSmi } from './standInNvidiaSmi';

const FIX = join(__dirname, '../fixtures/system');
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('system metrics: nvidia-smi query output', () => {
  it('parses one reading per GPU line; [N/A] and [Not Supported] are unknown, not 0', () => {
    const two = parseGpuQuery(fixture('nvidia-smi-2gpu.csv'));
    assert.deepEqual(two.map((g) => [g.index, g.utilPct, g.memUsedMiB, g.memTotalMiB, g.powerW]), [['0', 87, 40211, 81559, 312.45], ['1', 91, 39874, 81559, 298.1]]);
    assert.equal(parseGpuQuery(fixture('nvidia-smi-no-power.csv'))[0].powerW, null);
    const old = parseGpuQuery(fixture('nvidia-smi-old-driver.csv'))[0];
    assert.deepEqual([old.utilPct, old.memUsedMiB, old.powerW], [null, 1934, null]);
    assert.deepEqual(parseGpuQuery('No devices were found\n'), []);
    assert.deepEqual(parseGpuQuery('0, GPU-x, 5\n'), [], 'a line with the wrong number of fields');
  });

  it('keeps the GPUs CUDA_VISIBLE_DEVICES names (index or UUID), all of them when it names others', () => {
    const rows = parseGpuQuery(fixture('nvidia-smi-2gpu.csv'));
    assert.deepEqual(visibleGpus(rows, '1').map((g) => g.index), ['1']);
    assert.deepEqual(visibleGpus(rows, 'GPU-9a8b7c6d').map((g) => g.index), ['1'], 'a UUID prefix');
    assert.deepEqual(visibleGpus(rows, '0,1').map((g) => g.index), ['0', '1']);
    assert.deepEqual(visibleGpus(rows, '3').map((g) => g.index), ['0', '1'], 'renumbered inside a job: all it sees');
    assert.deepEqual(visibleGpus(rows, undefined).length, 2);
  });

  it('asks a stand-in nvidia-smi on PATH the documented query and reads its answer', async () => {
    const fake = standInNvidiaSmi(fixture('nvidia-smi-2gpu.csv'));
    const r = await queryGpus({ ...process.env, PATH: `${fake.dir}:${process.env.PATH}` });
    assert.ok('gpus' in r);
    assert.equal(r.gpus.length, 2);
    assert.equal(readFileSync(fake.argsLog, 'utf8').trim(), `--query-gpu=${GPU_FIELDS.join(',')} --format=csv,noheader,nounits`);
    const none = await queryGpus({ ...process.env, PATH: '/nonexistent' });
    assert.deepEqual(none, { absent: 'nvidia-smi is not on PATH (no NVIDIA driver on this machine)' });
    const broken = standInNvidiaSmi('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.\n', 9);
    const failed = await queryGpus({ ...process.env, PATH: `${broken.dir}:${process.env.PATH}` });
    assert.ok('absent' in failed && /shows no GPU \(NVIDIA-SMI has failed/.test(failed.absent), JSON.stringify(failed));
  });
});

describe('system metrics: the stage\'s process tree (/proc)', () => {
  it('parses /proc stat and status lines, whatever the command name holds', () => {
    const stat = '4242 (my (odd) name) S 4000 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 1000000 500';
    assert.deepEqual(parseProcStat(stat), { ppid: 4000, ticks: 300 });
    assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\n'), 123456 * 1024);
    assert.equal(parseVmRss('Name:\tkthreadd\n'), 0);
  });

  it('counts a child\'s CPU time and memory with its parent\'s', async () => {
    const before = treeUsage(process.pid)!;
    assert.ok(before.pids >= 1 && before.rssBytes > 10 * 1024 * 1024, JSON.stringify(before));
    // A child that burns about 0.6 s of CPU, then waits to be measured.
    const child = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 600); setTimeout(() => {}, 5000);'], { stdio: 'ignore' });
    try {
      // Poll rather than sleep a fixed time: on a loaded machine the child may start late or get a slice of a core.
      let child1 = treeUsage(child.pid!);
      for (let i = 0; i < 100 && !(child1 && child1.cpuSeconds > 0.05); i++) {
        await sleep(100);
        child1 = treeUsage(child.pid!);
      }
      const after = treeUsage(process.pid)!;
      assert.ok(after.pids >= 2, `${after.pids} processes: this one and the child at least`);
      assert.equal(child1!.pids, 1);
      assert.ok(child1!.cpuSeconds > 0.05 && child1!.cpuSeconds < 3, `child CPU ${child1!.cpuSeconds} s (it spins for 0.6 s of wall time)`);
      // The tree's total includes the child (not after − before: a process of an earlier test may have exited since).
      assert.ok(after.cpuSeconds > child1!.cpuSeconds, 'the tree includes the child');
    } finally {
      child.kill();
    }
    assert.equal(treeUsage(2 ** 22 + 12345), undefined, 'no such process');
  });
});

describe('system metrics: sstat', () => {
  it('parses --parsable2 --noconvert lines: CPU time × tasks and resident memory summed over the job\'s steps', () => {
    const u = parseSstat(fixture('sstat-parsable2.txt'))!;
    assert.deepEqual(u.steps, ['41.batch', '41.0']);
    assert.equal(u.cpuSeconds, 67 + 4 * 7384);
    assert.equal(u.rssBytes, 3284172800 + 4 * 1073741824);
    assert.equal(parseSstat(''), undefined, 'no running step');
    const real = parseSstat(fixture('sstat-real-22.05.8.txt'))!;
    assert.deepEqual([real.steps, real.cpuSeconds, real.rssBytes], [['1.batch'], 2, 97415168], 'as the real sstat 22.05.8 printed it');
    assert.deepEqual(sstatArgs('41'), ['--noheader', '--parsable2', '--noconvert', '-a', '-j', '41', '--format=JobID,NTasks,AveCPU,AveRSS']);
  });

  it('reads SLURM durations and sizes', () => {
    assert.deepEqual(['1-02:03:04', '02:03:04', '00:05:07', '05:06.789', 'x'].map(slurmSeconds), [93784, 7384, 307, 306.789, undefined]);
    assert.deepEqual(['123', '16908K', '1.50G', '0', 'lots'].map(slurmBytes), [123, 16908 * 1024, 1.5 * 1024 ** 3, 0, undefined]);
  });
});

describe('system sampler', () => {
  it('averages the samples since the last record (memory: the peak), then starts over', async () => {
    const fake = standInNvidiaSmi(fixture('nvidia-smi-2gpu.csv'));
    const notes: string[] = [];
    const s = new SystemSampler({ intervalMs: 60, rootPid: process.pid, env: { ...process.env, PATH: `${fake.dir}:${process.env.PATH}` }, note: (n) => notes.push(n) });
    await s.sample();
    await sleep(80);
    await s.sample();
    const m = s.take();
    assert.equal(m[METRICS.systemGpuUtil], 89, 'mean over the GPUs');
    assert.equal(m[METRICS.systemGpuMemory], (40211 + 39874) / 1024, 'GiB used over the GPUs');
    assert.ok(Math.abs(m[METRICS.systemGpuPower] - 610.55) < 1e-9, 'W over the GPUs');
    assert.ok(m[METRICS.systemCpu] >= 0, 'CPU share from the second sample on');
    assert.ok(m[METRICS.systemRss] > 0.01, 'GiB');
    assert.deepEqual(s.take(), {}, 'nothing new since');
    assert.deepEqual(notes, []);
  });

  it('without nvidia-smi: one note, no GPU values, CPU and memory still', async () => {
    const notes: string[] = [];
    const s = new SystemSampler({ intervalMs: 60, rootPid: process.pid, env: { ...process.env, PATH: '/nonexistent' }, note: (n) => notes.push(n) });
    for (let i = 0; i < 3; i++) {
      await s.sample();
      await sleep(60);
    }
    const m = s.take();
    assert.deepEqual(Object.keys(m).sort(), [METRICS.systemCpu, METRICS.systemRss].sort());
    assert.deepEqual(notes, ['no GPU metrics: nvidia-smi is not on PATH (no NVIDIA driver on this machine)']);
  });

  it('in a SLURM job reads sstat; where sstat says nothing, notes it and measures the processes instead', async () => {
    const notes: string[] = [];
    const s = new SystemSampler({
      intervalMs: 60, rootPid: process.pid, jobId: '41', env: { ...process.env, PATH: '/nonexistent' }, note: (n) => notes.push(n),
      job: async () => ({ usage: parseSstat(fixture('sstat-parsable2.txt'))! }),
    });
    await s.sample();
    assert.equal(s.take()[METRICS.systemRss], (3284172800 + 4 * 1073741824) / 1024 ** 3);
    notes.length = 0;
    const quiet = new SystemSampler({ intervalMs: 60, rootPid: process.pid, jobId: '41', env: process.env, note: (n) => notes.push(n), gpus: async () => ({ gpus: [] }), job: async () => ({ absent: 'sstat reports nothing for job 41' }) });
    await quiet.sample();
    assert.ok(quiet.take()[METRICS.systemRss] > 0, 'from /proc meanwhile');
    assert.equal(notes.length, 0, 'a job is accounted a little after it starts: not given up at once');
    for (let i = 0; i < 4; i++) await quiet.sample();
    assert.match(notes.at(-1)!, /CPU and memory from this machine's processes instead of the SLURM job: sstat reports nothing/);
  });

  it('follows SEE2THINK_SYSTEM_INTERVAL (0 turns it off) and SLURM_JOB_ID', () => {
    assert.equal(stageSampler(() => undefined, { SEE2THINK_SYSTEM_INTERVAL: '0' }), undefined);
    assert.ok(stageSampler(() => undefined, {}));
    assert.equal(stageSampler(() => undefined, { SEE2THINK_SYSTEM_INTERVAL: 'soon' }), undefined);
  });
});

describe('system summary line', () => {
  const rec = (step: number, v: Record<string, number>) => ({ step, time: step, stage: 's', ...v });
  it('means of utilisation, power and CPU; peaks of memory; says when there was no GPU', () => {
    assert.equal(systemLine([rec(1, { 'reward/overall': 1 })]), undefined, 'no system metrics: no line');
    assert.equal(systemLine([
      rec(1, { [METRICS.systemGpuUtil]: 80, [METRICS.systemGpuMemory]: 70.04, [METRICS.systemGpuPower]: 600, [METRICS.systemCpu]: 90, [METRICS.systemRss]: 3.2 }),
      rec(2, { [METRICS.systemGpuUtil]: 90, [METRICS.systemGpuMemory]: 78.2, [METRICS.systemGpuPower]: 620, [METRICS.systemCpu]: 110, [METRICS.systemRss]: 2 }),
    ]), 'GPU 85 % · 78.2 GiB peak · 610 W; CPU 100 % · RSS 3.2 GiB peak');
    assert.equal(systemLine([rec(1, { [METRICS.systemCpu]: 12.4, [METRICS.systemRss]: 0.44 })]), 'no GPU metrics; CPU 12 % · RSS 0.4 GiB peak');
  });
});
