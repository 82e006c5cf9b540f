// Each alert rule's edge: silent until its windows are full, fires once at the record that trips it, skips
// non-finite values in its windows, and is configured from the recipe (defaults from the schema).
import { strict as assert } from 'node:assert';
import { resolveAlerts, type AlertEvent, type ResolvedAlerts } from '../../protocol/alerts';
import type { Alerts } from '../../protocol/recipe.generated';
import { AlertEngine } from '../../core/alerts/alertEngine';
import { RecentValues } from '../../core/alerts/recentValues';
import { num } from '../../core/alerts/rules';

/** Feeds one metric's values as steps 1, 2, … of stage 's'; returns what fired and at which step. */
function feed(metric: string, values: (number | null)[], alerts: Alerts = {}, stage = 's'): AlertEvent[] {
  const engine = new AlertEngine(resolveAlerts(alerts));
  values.forEach((v, i) => engine.push(stage, i + 1, { [metric]: v }));
  return [...engine.events];
}

const steps = (events: AlertEvent[]) => events.map((e) => `${e.rule}@${e.step}`);

describe('alert rules', () => {
  it('defaults come from the schema; a recipe overrides single keys', () => {
    const d = resolveAlerts(undefined);
    assert.equal(d.enabled, true);
    assert.deepEqual(d.kl_rising, { enabled: true, metric: 'actor/kl_loss', window: 10, factor: 2, min: 0.1 });
    assert.deepEqual(d.non_finite.metrics, ['actor/pg_loss', 'actor/kl_loss', 'actor/grad_norm', 'sft/loss']);
    const r: ResolvedAlerts = resolveAlerts({ kl_rising: { window: 3 }, truncation: { enabled: false } });
    assert.deepEqual([r.kl_rising.window, r.kl_rising.factor, r.truncation.enabled], [3, 2, false]);
    d.non_finite.metrics.push('x');
    assert.equal(resolveAlerts(undefined).non_finite.metrics.length, 4, 'defaults are copies, not the schema itself');
  });

  it('non_finite: the first NaN/Infinity (or null, as panels carry it) of a watched metric, as an error', () => {
    const e = feed('actor/grad_norm', [1, 2, Infinity, NaN]);
    assert.deepEqual(steps(e), ['non_finite@3']);
    assert.equal(e[0].severity, 'error');
    assert.equal(e[0].value, null);
    assert.match(e[0].message, /actor\/grad_norm is Infinity/);
    assert.deepEqual(steps(feed('sft/loss', [1, null])), ['non_finite@2']);
    assert.deepEqual(feed('actor/entropy', [NaN]), [], 'not a watched metric by default');
    assert.deepEqual(steps(feed('actor/entropy', [NaN], { non_finite: { metrics: ['actor/entropy'] } })), ['non_finite@1']);
  });

  it('kl_rising: last window ≥ min and ≥ factor × the window before; from 0 at the stage start', () => {
    // window 3: records 1-3 mean 0.06 ≥ min 0.05 with nothing before → "from 0".
    const early = feed('actor/kl_loss', [0.05, 0.06, 0.07], { kl_rising: { window: 3, min: 0.05 } });
    assert.deepEqual(steps(early), ['kl_rising@3']);
    assert.match(early[0].message, /averaged 0\.06 over the last 3 records, from 0 at the stage start/);
    // A KL that levels off at min never doubles: silent. Then it jumps.
    const steady = [0.04, 0.045, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05];
    assert.deepEqual(feed('actor/kl_loss', steady, { kl_rising: { window: 3, min: 0.05 } }), []);
    const jump = feed('actor/kl_loss', [...steady, 0.3, 0.3], { kl_rising: { window: 3, min: 0.05 } });
    assert.deepEqual(steps(jump), ['kl_rising@9'], '(0.05 + 0.05 + 0.3) / 3 = 0.133 ≥ 2 × 0.05 at the first 0.3');
    assert.match(jump[0].message, /averaged 0\.133 over the last 3 records, 2\.67× the 3 before \(0\.05\)/);
    assert.deepEqual(feed('actor/kl_loss', [0.001, 0.002, 0.004, 0.008, 0.016, 0.032], { kl_rising: { window: 2, min: 0.05 } }), [], 'doubling below min is a normal start');
  });

  it('entropy_collapse: last window ≤ ratio × the stage\'s first window, once they do not overlap; NaN is skipped', () => {
    assert.deepEqual(feed('actor/entropy', [1, 1, 0.5, 0.3], { entropy_collapse: { window: 2 } }), [], '0.4 of the start: not yet');
    const e = feed('actor/entropy', [1, 1, 0.5, 0.3, 0.1], { entropy_collapse: { window: 2 } });
    assert.deepEqual(steps(e), ['entropy_collapse@5']);
    assert.match(e[0].message, /averaged 0\.2 over the last 2 records, 20 % of the stage's start \(1\)/);
    assert.deepEqual(steps(feed('actor/entropy', [1, 1, NaN, 0.3, 0.1], { entropy_collapse: { window: 2 } })), ['entropy_collapse@5'], 'the NaN is not a value of the window');
    assert.deepEqual(feed('actor/entropy', [0.1, 0.1, 0.01], { entropy_collapse: { window: 2 } }), [], 'the start window alone compares with nothing');
  });

  it('length_growth: last window ≥ factor × the stage\'s first window', () => {
    const e = feed('response_length/mean', [10, 10, 15, 25, 30], { length_growth: { window: 2 } });
    assert.deepEqual(steps(e), ['length_growth@4']);
    assert.match(e[0].message, /averaged 20 over the last 2 records, 2× the stage's start \(10\)/);
    assert.deepEqual(feed('response_length/mean', [10, 10, 19, 19, 19]), [], 'defaults: window 5 — 10 records needed');
  });

  it('truncation: the truncated share averaged over the window reaches max_share', () => {
    const e = feed('response_length/clip_ratio', [0.1, 0.2, 0.3, 0.5], { truncation: { window: 3, max_share: 0.3 } });
    assert.deepEqual(steps(e), ['truncation@4']);
    assert.match(e[0].message, /33 % truncated over the last 3 records/);
  });

  it('reward_flat: every value of the window within margin of 0, or of 1', () => {
    const zero = feed('reward/accuracy', [0, 0.005, 0], { reward_flat: { window: 3 } });
    assert.deepEqual(steps(zero), ['reward_flat@3']);
    assert.match(zero[0].message, /reward flat at 0: reward\/accuracy ≤ 0\.01 for 3 records/);
    const one = feed('reward/accuracy', [1, 1, 0.5, 1, 1, 0.995], { reward_flat: { window: 3 } });
    assert.deepEqual(steps(one), ['reward_flat@6']);
    assert.match(one[0].message, /flat at 1: reward\/accuracy ≥ 0\.99/);
    assert.deepEqual(feed('reward/accuracy', [0, 0, 0.02, 0, 0], { reward_flat: { window: 3 } }), [], 'one group learned something');
  });

  it('format_falling: last window drop or more below the best window of the stage', () => {
    const e = feed('reward/format', [0.9, 0.9, 0.8, 0.7, 0.6], { format_falling: { window: 2 } });
    assert.deepEqual(steps(e), ['format_falling@5']);
    assert.match(e[0].message, /averaged 0\.65 over the last 2 records, down from 0\.9/);
  });
});

describe('alert engine', () => {
  const tripping = { 'actor/grad_norm': NaN };

  it('fires each rule once per stage, stages separately, with the global step when given', () => {
    const engine = new AlertEngine(resolveAlerts(undefined));
    assert.deepEqual(engine.push('a', 1, tripping, 101).map((e) => [e.rule, e.stage, e.step, e.x]), [['non_finite', 'a', 1, 101]]);
    assert.deepEqual(engine.push('a', 2, tripping), [], 'once per stage');
    assert.equal(engine.push('b', 1, tripping).length, 1, 'another stage has its own');
    assert.equal(engine.events.length, 2);
  });

  it('ignores a step it has seen (stdout and file carry the same record); resetStage forgets a rewound stage', () => {
    const engine = new AlertEngine(resolveAlerts(undefined));
    engine.push('a', 5, {});
    assert.deepEqual(engine.push('a', 5, tripping), [], 'the same step again');
    assert.deepEqual(engine.push('a', 3, tripping), [], 'an earlier step');
    engine.push('b', 1, tripping);
    engine.resetStage('a');
    assert.equal(engine.push('a', 3, tripping).length, 1, 'after a reset the stage is evaluated afresh');
    assert.deepEqual(engine.events.map((e) => e.stage), ['b', 'a']);
  });

  it('alerts.enabled false and a rule\'s enabled false switch rules off', () => {
    assert.deepEqual(feed('actor/grad_norm', [NaN], { enabled: false }), []);
    assert.deepEqual(feed('actor/grad_norm', [NaN], { non_finite: { enabled: false } }), []);
  });
});

describe('RecentValues', () => {
  it('keeps the newest values in a ring and averages windows back from the newest', () => {
    const w = new RecentValues(3);
    for (const v of [1, 2, 3, 4]) w.push(v);
    assert.deepEqual([w.at(0), w.at(1), w.at(2), w.count], [4, 3, 2, 4]);
    assert.equal(w.mean(2), 3.5);
    assert.equal(w.mean(2, 1), 2.5);
    assert.ok(Number.isNaN(w.mean(4)), 'more than it holds');
    assert.ok(w.all(3, (v) => v >= 2));
    assert.ok(!w.all(3, (v) => v >= 3));
  });

  it('formats numbers for messages', () => {
    assert.deepEqual([num(0.12345), num(2), num(1234.5), num(0.0001234), num(NaN)], ['0.123', '2', '1230', '1.23e-4', 'NaN']);
  });
});
