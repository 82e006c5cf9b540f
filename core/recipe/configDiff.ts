// The config diff between runs (Compare Runs → "show config differences"): each run's resolved recipe
// (defaults applied) in the recipe's own spelling, as YAML for VS Code's diff editor and as flat key paths
// whose differing values make the dashboard's "diff only" table. Stages are matched by id.
import { stringify } from 'yaml';
import type { ResolvedRecipe } from '../../protocol/recipe';
import type { ConfigRow } from '../../protocol/messages';
import { isObj } from '../../protocol/guards';

/** A resolved recipe as a plain object keyed like the recipe file (`init_from`, not `initFrom`). */
export function plainConfig(r: ResolvedRecipe): Record<string, unknown> {
  return {
    name: r.name,
    description: r.description,
    runs_dir: r.runsDir,
    model: r.model,
    stages: r.stages.map((s) => ({
      id: s.id, kind: s.kind, description: s.description, steps: s.steps, init_from: s.initFrom,
      data: s.data, algorithm: s.algorithm, reward: s.reward, launch: s.launch, overrides: s.overrides,
    })),
  };
}

// The identity first (name …, then a stage's id, kind, steps, init_from), then the rest alphabetically.
const FIRST = ['name', 'description', 'runs_dir', 'model', 'id', 'kind', 'steps', 'init_from'];
function keyOrder(a: unknown, b: unknown): number {
  const [ka, kb] = [String(a), String(b)];
  const [ia, ib] = [FIRST.indexOf(ka), FIRST.indexOf(kb)].map((i) => (i < 0 ? FIRST.length : i));
  if (ia !== ib) return ia - ib;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The resolved recipe as YAML, keys in a stable order (what the diff editor shows side by side). */
export function resolvedConfigText(r: ResolvedRecipe, header?: string): string {
  const body = stringify(plainConfig(r), { sortMapEntries: (a, b) => keyOrder(a.key, b.key), lineWidth: 0 });
  return header ? `# ${header.replace(/[\r\n]+/g, ' ')}\n${body}` : body;
}

function flattenInto(prefix: string, v: unknown, out: Map<string, unknown>): void {
  if (v === undefined) return;
  if (isObj(v)) {
    for (const k of Object.keys(v).sort((a, b) => keyOrder(a, b))) flattenInto(prefix ? `${prefix}.${k}` : k, v[k], out);
    return;
  }
  out.set(prefix, v);
}

/**
 * Flat key paths of a resolved recipe: `model.preset`, `stages.<id>.algorithm.kl_coef`, … with their values.
 * A stage is also one key, `stages.<id>`, whose value names it ("perception · 40 steps"): a stage that only
 * some runs have is that one row.
 */
export function flattenConfig(r: ResolvedRecipe): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const plain = plainConfig(r);
  for (const key of ['name', 'description', 'runs_dir', 'model'] as const) flattenInto(key, plain[key], out);
  for (const stage of plain.stages as Record<string, unknown>[]) {
    const base = `stages.${String(stage.id)}`;
    out.set(base, `${String(stage.kind)} · ${String(stage.steps)} steps`);
    for (const [k, v] of Object.entries(stage)) if (k !== 'id') flattenInto(`${base}.${k}`, v, out);
  }
  return out;
}

/** A value as the table shows it: strings as they are, anything else as JSON. */
const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));

/**
 * The keys whose values differ across the recipes (W&B's "diff only"), in recipe order: top-level keys, then
 * stage by stage in the order stages first appear. `values[i]` is recipe i's value as text, null where it has
 * no such key. Inside a stage that some recipes lack, only the stage row is listed (its keys would all differ).
 */
export function configDifferences(recipes: readonly ResolvedRecipe[]): ConfigRow[] {
  const flat = recipes.map(flattenConfig);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const f of flat) for (const k of f.keys()) if (!seen.has(k)) (seen.add(k), keys.push(k));
  const partialStages = new Set(keys.filter((k) => /^stages\.[^.]+$/.test(k) && flat.some((f) => !f.has(k))));
  const rows: ConfigRow[] = [];
  for (const key of keys) {
    const stage = /^stages\.[^.]+/.exec(key)?.[0];
    if (stage && stage !== key && partialStages.has(stage)) continue;
    const json = flat.map((f) => (f.has(key) ? JSON.stringify(f.get(key)) : undefined));
    if (json.every((j) => j === json[0])) continue;
    rows.push({ key, values: flat.map((f) => (f.has(key) ? shown(f.get(key)) : null)) });
  }
  return rows;
}
