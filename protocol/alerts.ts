// The alerts contract: the rules a recipe's `alerts:` section sets (defaults from recipe.schema.json), and
// the event a rule fires, as the CLI prints it, the run summary lists it and the extension and dashboard show it.
import schema from './recipe.schema.json';
import type { Alerts } from './recipe.generated';

/** The rules, in the order the schema lists them (and summaries print them). */
export const ALERT_RULES = ['non_finite', 'kl_rising', 'entropy_collapse', 'length_growth', 'truncation', 'reward_flat', 'format_falling'] as const;
export type AlertRuleId = (typeof ALERT_RULES)[number];

/** A rule's settings with every default applied. */
export type ResolvedAlertRule<K extends AlertRuleId> = Required<NonNullable<Alerts[K]>>;
export type ResolvedAlerts = { enabled: boolean } & { [K in AlertRuleId]: ResolvedAlertRule<K> };

type Props = Record<string, { default?: unknown; $ref?: string }>;
const definitions = schema.definitions as unknown as Record<string, { properties: Props }>;

function defaultsOf(definition: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(definitions[definition].properties)) if (p.default !== undefined) out[k] = structuredClone(p.default);
  return out;
}

/** The schema's defaults under the recipe's own settings (assumes the recipe passed schema validation). */
export function resolveAlerts(raw: Alerts | undefined): ResolvedAlerts {
  const rules = definitions.alerts.properties;
  const out: Record<string, unknown> = { enabled: raw?.enabled ?? true };
  for (const id of ALERT_RULES) {
    const own = Object.fromEntries(Object.entries(raw?.[id] ?? {}).filter(([, v]) => v !== undefined));
    out[id] = { ...defaultsOf(rules[id].$ref!.replace('#/definitions/', '')), ...own };
  }
  return out as ResolvedAlerts;
}

export type AlertSeverity = 'error' | 'warning';

/** A rule that fired: at most once per rule per stage of a run. */
export interface AlertEvent {
  rule: AlertRuleId;
  severity: AlertSeverity;
  stage: string;
  /** The stage's step of the record that tripped the rule. */
  step: number;
  /** Global step (the dashboard's x), when the reader knows the stage's offset. */
  x?: number;
  /** The metric the rule watched there. */
  metric: string;
  /** The value that tripped it (null: not a finite number). */
  value: number | null;
  /** One line for people: what happened, with the numbers. */
  message: string;
}

/** How an alert reads on one line (CLI, summary, notification). */
export function formatAlert(a: AlertEvent): string {
  return `${a.stage} step ${a.step}: ${a.message}`;
}
