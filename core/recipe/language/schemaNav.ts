// Walks protocol/recipe.schema.json by JSON path: which keys are allowed at a path, what a key means, its
// type, default, enum values and the paper's value. Completion, hover and quick fixes all read it from here.
import { recipeSchema } from '../../../protocol/recipe';
import type { JsonPath } from '../sourceMap';

/** The parts of a JSON Schema node the recipe schema uses. */
export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  enumDescriptions?: string[];
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  pattern?: string;
  'x-paper'?: unknown;
}

const ROOT = recipeSchema as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };

/** Follows a local `#/definitions/x` reference (the only kind the recipe schema uses). */
export function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  for (let i = 0; n?.$ref && i < 10; i++) n = ROOT.definitions[n.$ref.replace('#/definitions/', '')];
  return n;
}

/** The schema of the value at `path`, or undefined when the schema allows nothing there. */
export function schemaAt(path: JsonPath): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const seg of path) {
    node = deref(node);
    if (!node) return undefined;
    if (typeof seg === 'number') node = node.items;
    else if (node.properties && Object.hasOwn(node.properties, seg)) node = node.properties[seg];
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return undefined;
  }
  return deref(node);
}

export function typesOf(node: SchemaNode | undefined): string[] {
  if (!node?.type) return node?.enum ? [...new Set(node.enum.map((v) => (v === null ? 'null' : typeof v)))] : [];
  return Array.isArray(node.type) ? node.type : [node.type];
}

export function isObjectSchema(node: SchemaNode | undefined): boolean {
  return typesOf(node).includes('object') || !!node?.properties;
}

export interface KeyInfo {
  key: string;
  schema: SchemaNode;
  required: boolean;
  description: string;
}

/** The keys the schema defines for the object at `path`, required ones first, in schema order. */
export function keysAt(path: JsonPath): KeyInfo[] {
  const node = schemaAt(path);
  if (!node?.properties) return [];
  const required = new Set(node.required ?? []);
  const keys = Object.entries(node.properties).map(([key, s]) => {
    const schema = deref(s) ?? s;
    // A $ref'd property's own description (if any) wins over the definition's.
    return { key, schema, required: required.has(key), description: s.description ?? schema.description ?? '' };
  });
  return [...keys.filter((k) => k.required), ...keys.filter((k) => !k.required)];
}

/** Keys still allowed at `path` given the ones already written there. */
export function remainingKeys(path: JsonPath, present: Iterable<string>): KeyInfo[] {
  const used = new Set(present);
  return keysAt(path).filter((k) => !used.has(k.key));
}

export interface EnumValue {
  value: unknown;
  description?: string;
}

export function enumValuesAt(path: JsonPath): EnumValue[] {
  const node = schemaAt(path);
  return (node?.enum ?? []).map((value, i) => ({ value, description: node?.enumDescriptions?.[i] }));
}

/** A short type label: `integer ≥ 1 ≤ 64`, `'grpo'`, `string | null`, `list of string`. */
export function typeLabel(node: SchemaNode | undefined): string {
  if (!node) return 'unknown';
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  const types = typesOf(node);
  let label = types.map((t) => (t === 'array' ? `list of ${typeLabel(deref(node.items))}` : t === 'object' && typeof node.additionalProperties === 'object' ? `map of ${typeLabel(node.additionalProperties)}` : t)).join(' | ') || 'any';
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  if (bounds.length) label += ` ${bounds.join(' ')}`;
  return label;
}

/** A number written so that both YAML 1.2 (our parser) and YAML 1.1 (PyYAML, EasyR1 configs) read a float. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  if (Math.abs(n) >= 1e-3 && Math.abs(n) < 1e6) return String(n);
  const [mantissa, exp] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

/** A scalar as YAML text (strings quoted only when plain text would read as something else). */
export function yamlScalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v !== 'string') return String(v);
  const plainSafe = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/.test(v) && !/^(null|true|false|yes|no|on|off|y|n|~)$/i.test(v);
  return plainSafe ? v : JSON.stringify(v);
}

export function jsonScalar(v: unknown): string {
  return JSON.stringify(v);
}

/** Everything hover shows for the key or value at `path`. */
export interface PathDoc {
  key: string;
  description: string;
  type: string;
  default?: unknown;
  paper?: unknown;
  required: boolean;
  enumValues: EnumValue[];
}

export function docAt(path: JsonPath): PathDoc | undefined {
  const node = schemaAt(path);
  if (!node) return undefined;
  const last = path[path.length - 1];
  const parent = path.length ? schemaAt(path.slice(0, -1)) : undefined;
  const own = typeof last === 'string' ? parent?.properties?.[last] : undefined;
  return {
    key: last === undefined ? 'recipe' : String(last),
    description: own?.description ?? node.description ?? '',
    type: typeLabel(node),
    default: node.default,
    paper: node['x-paper'],
    required: typeof last === 'string' && !!parent?.required?.includes(last),
    enumValues: enumValuesAt(path),
  };
}

/** Markdown for a hover: key, type, default, the paper's value, then the description (and a value's meaning). */
export function hoverMarkdown(path: JsonPath, value?: string, opts: { withDescription?: boolean } = {}): string | undefined {
  const doc = docAt(path);
  if (!doc) return undefined;
  const parts = [`**${doc.key}**${doc.required ? ' (required)' : ''} · \`${doc.type}\``];
  if (doc.default !== undefined) parts.push(`default \`${yamlScalar(doc.default)}\``);
  // A paper value in words ("frozen in stage 2 only") reads better as text than as a quoted string.
  if (doc.paper !== undefined) parts.push(typeof doc.paper === 'string' && /\s/.test(doc.paper) ? `paper: ${doc.paper}` : `paper: \`${yamlScalar(doc.paper)}\``);
  const lines = [parts.join(' · ')];
  if (opts.withDescription !== false && doc.description) lines.push('', doc.description);
  const chosen = value === undefined ? undefined : doc.enumValues.find((e) => String(e.value) === value);
  if (chosen?.description) lines.push('', `\`${value}\`: ${chosen.description}`);
  return lines.join('\n');
}
