// The system metric family in the dashboard bundle (headless Chromium, panel CSP): system/… points get their
// own charts (GPU utilisation, GPU memory, power, CPU, RSS); a run with CPU and memory but no GPU values gets a
// note card saying so, which goes once GPU values arrive.
import { strict as assert } from 'node:assert';
import { openPanel, panelSuite } from './harness/harness';
import type { RunInfo } from '../../protocol/messages';
import { METRICS } from '../../protocol/metrics';
import { toMetricColumns } from '../../extension/panels/metricColumns';
import type { MetricPoint } from '../../extension/runs/stageSeries';

const run = (id: string): RunInfo => ({ key: `/ws/runs/demo/${id}`, label: `demo/${id}`, recipe: 'demo', runId: id, stages: [{ id: 'rl', kind: 'perception', state: 'running', totalSteps: 50, globalOffset: 0 }] });

const points = (n: number, gpu: boolean): MetricPoint[] => Array.from({ length: n }, (_, i) => ({
  stage: 'rl', step: i + 1, global_step: i + 1, time: 1.7e9 + i, 'reward/overall': 0.3,
  [METRICS.systemCpu]: 95 + i, [METRICS.systemRss]: 1.5,
  ...(gpu ? { [METRICS.systemGpuUtil]: 88, [METRICS.systemGpuMemory]: 40.1, [METRICS.systemGpuPower]: 310 } : {}),
}));

describe('dashboard system metrics (headless chromium)', function () {
  const suite = panelSuite();

  it('charts system/… in their own cards and notes a run without GPU metrics', async () => {
    const p = await openPanel(suite.browser, suite.h, 'dashboard', { height: 2400 });
    suite.panels.push(p);
    const cpuOnly = run('cpu-only');
    await p.deliver({ method: 'dashboard/runs', params: { runs: [cpuOnly] } });
    await p.deliver({ method: 'dashboard/columns', params: toMetricColumns(cpuOnly.key, points(20, false)) });
    await p.frames(3);
    const state = () => p.page.evaluate(() => {
      const d = (globalThis as any).document;
      const shown = (id: string) => !d.querySelector(`[data-card="${id}"]`).classList.contains('empty');
      return {
        cards: ['system-cpu', 'system-rss', 'system-gpu', 'system-gpu-memory', 'system-gpu-power'].map(shown),
        titles: ['system-cpu', 'system-rss'].map((id) => d.querySelector(`[data-card="${id}"] .card-title`).textContent),
        note: d.querySelector('.system-note')?.textContent ?? null,
        noteBeforeSystem: !!d.querySelector('.system-note + [data-card^="system-"]'),
      };
    });
    const s1 = await state();
    assert.deepEqual(s1.cards, [true, true, false, false, false]);
    assert.deepEqual(s1.titles, ['CPU (% of one core)', 'Memory RSS (GiB)']);
    assert.match(s1.note!, /No GPU metrics for demo\/cpu-only: nvidia-smi was not found or saw no GPU where its stages ran/);
    assert.ok(s1.noteBeforeSystem, 'the note sits with the system charts');
    const drawn = await p.page.evaluate(() => (globalThis as any).s2tDebug.dashboard.cards.get('system-cpu').drawn(0).n);
    assert.ok(drawn >= 20, `CPU series drawn (${drawn} points)`);

    // A run with GPU values: its GPU charts show; the note names only the run without.
    const gpu = run('gpu');
    await p.deliver({ method: 'dashboard/runs', params: { runs: [cpuOnly, gpu] } });
    await p.deliver({ method: 'dashboard/columns', params: toMetricColumns(gpu.key, points(20, true)) });
    await p.frames(3);
    const s2 = await state();
    assert.deepEqual(s2.cards, [true, true, true, true, true]);
    assert.match(s2.note!, /No GPU metrics for demo\/cpu-only:/);
    assert.doesNotMatch(s2.note!, /demo\/gpu/);
    await p.deliver({ method: 'dashboard/runs', params: { runs: [gpu] } });
    await p.frames(3);
    assert.equal((await state()).note, null, 'no run without GPU metrics: no note');
  });
});
