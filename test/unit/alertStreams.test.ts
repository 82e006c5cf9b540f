// The alert rules on recorded metric streams (test/fixtures/alerts/README.md): a healthy staged run of the
// built-in trainer trips none; the same recording with one sign of trouble put into one stage trips exactly the
// rule for it, at the record where the trouble shows; EasyR1's log with a NaN loss (through the EasyR1 adapter)
// trips non_finite; a deliberately broken real run (runaway.jsonl) trips the rules its curves show.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { resolveAlerts, type AlertEvent } from '../../protocol/alerts';
import type { MetricRecord } from '../../protocol/runRecords';
import { AlertEngine } from '../../core/alerts/alertEngine';
import { EasyR1RunReader } from '../../core/external/easyr1/easyr1Run';

const FIX = join(__dirname, '../fixtures');
const stream = (name: string): MetricRecord[] =>
  readFileSync(join(FIX, 'alerts', name), 'utf8').split('\n').filter(Boolean).map((l) => parseJsonLoose(l) as MetricRecord);

function evaluate(records: MetricRecord[]): AlertEvent[] {
  const engine = new AlertEngine(resolveAlerts(undefined));
  for (const r of records) engine.push(r.stage, r.step, r, r.global_step);
  return [...engine.events];
}

const fired = (events: AlertEvent[]) => events.map((e) => `${e.rule}@${e.stage}:${e.step}`);

/** The healthy recording with `change` applied to one metric of one stage's RL records from the `from`-th one on (k = 0, 1, …). */
function withTrouble(stage: string, metric: string, from: number, change: (v: number, k: number) => number): MetricRecord[] {
  let n = 0;
  return stream('healthy-staged.jsonl').map((r) => {
    if (r.stage !== stage || typeof r[metric] !== 'number') return r;
    n++;
    return n < from ? r : { ...r, [metric]: change(r[metric] as number, n - from) };
  });
}

describe('alerts on recorded metric streams', () => {
  it('a healthy staged run (warm-up, perception, textual, visual; 724 records) trips none', () => {
    const records = stream('healthy-staged.jsonl');
    assert.equal(records.length, 724);
    assert.deepEqual(fired(evaluate(records)), []);
  });

  const cases: { rule: string; stage: string; metric: string; from: number; change: (v: number, k: number) => number; at: number }[] = [
    // Updates the reference policy runs away from: KL grows 30 % a record from record 20 of the visual stage.
    { rule: 'kl_rising', stage: 'visual', metric: 'actor/kl_loss', from: 20, change: (v, k) => v * 1.3 ** (k + 1), at: 23 },
    // Sampling turns greedy: entropy loses a fifth a record from record 10 of perception.
    { rule: 'entropy_collapse', stage: 'perception', metric: 'actor/entropy', from: 10, change: (v, k) => v * 0.8 ** (k + 1), at: 19 },
    // Responses grow 15 % a record from record 10 of textual.
    { rule: 'length_growth', stage: 'textual', metric: 'response_length/mean', from: 10, change: (v, k) => v * 1.15 ** (k + 1), at: 17 },
    // max_response_length too short from record 20 of textual: 40 % of responses cut off.
    { rule: 'truncation', stage: 'textual', metric: 'response_length/clip_ratio', from: 20, change: () => 0.4, at: 23 },
    // Every group wrong from record 10 of textual: accuracy 0.
    { rule: 'reward_flat', stage: 'textual', metric: 'reward/accuracy', from: 10, change: () => 0, at: 19 },
    // The format unlearned from record 15 of visual: 0.04 less a record.
    { rule: 'format_falling', stage: 'visual', metric: 'reward/format', from: 15, change: (v, k) => Math.max(0, v - 0.04 * (k + 1)), at: 21 },
  ];
  for (const c of cases) {
    it(`${c.rule}: trips on ${c.metric} in ${c.stage} from record ${c.from}, nothing else does`, () => {
      const events = evaluate(withTrouble(c.stage, c.metric, c.from, c.change));
      assert.deepEqual(fired(events), [`${c.rule}@${c.stage}:${c.at}`]);
      assert.ok(c.at >= c.from && c.at < c.from + 10, 'soon after the trouble starts, not before');
      assert.ok(typeof events[0].x === 'number' && events[0].x > c.at, 'with its global step');
    });
  }

  it('a real run gone wrong (learning rate 50× too high, no format reward) trips the rules its curves show', () => {
    const events = evaluate(stream('runaway.jsonl'));
    assert.deepEqual(fired(events), ['truncation@rl:5', 'kl_rising@rl:10', 'reward_flat@rl:20']);
    assert.match(events[1].message, /KL rising fast: actor\/kl_loss averaged 1\.16 over the last 10 records, from 0 at the stage start/);
  });

  it('non_finite: EasyR1\'s experiment log with a NaN pg_loss and an infinite grad norm, read by the EasyR1 adapter', async () => {
    const reader = new EasyR1RunReader(join(FIX, 'external/easyr1'), { stage: 'perception', accuracyWeight: 0.9 });
    const chunk = await reader.finish();
    const events = evaluate(chunk.metrics);
    assert.deepEqual(fired(events), ['non_finite@perception:2']);
    assert.equal(events[0].severity, 'error');
    assert.match(events[0].message, /^actor\/pg_loss is NaN/);
  });
});
