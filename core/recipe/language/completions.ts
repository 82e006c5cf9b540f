// What to offer at the cursor in a recipe: the keys still allowed there (with the schema's defaults as
// snippets), enum values, and init_from's earlier stage ids. Editor-neutral, so it is unit-tested here.
import { cursorContext, type CursorContext } from './cursorContext';
import {
  deref, enumValuesAt, hoverMarkdown, isObjectSchema, remainingKeys, schemaAt, typeLabel, typesOf, yamlScalar,
  type SchemaNode,
} from './schemaNav';
import type { JsonPath } from '../sourceMap';
import { PAPER_ORDER } from '../../../protocol/recipe';

export interface CompletionSpec {
  label: string;
  kind: 'key' | 'value';
  /** Snippet syntax (`${1:default}`, `${1|a,b|}`, `$0`). */
  insertText: string;
  detail: string;
  documentation: string;
  /** Sorts required keys and defaults first. */
  sortText: string;
  replaceStart: number;
  replaceEnd: number;
  /** Ask for completions again after inserting (an object key whose value is written on the next lines). */
  retrigger?: boolean;
  preselect?: boolean;
}

export interface CompletionOptions {
  /**
   * Offer what the schema alone knows (keys, enums, defaults). False where another language service already
   * does (VS Code's JSON service for *.recipe.json): then only what needs the whole recipe (init_from ids).
   */
  schemaItems?: boolean;
}

export function completionsAt(text: string, offset: number, fileName: string, opts: CompletionOptions = {}): CompletionSpec[] {
  const ctx = cursorContext(text, offset, fileName);
  const schemaItems = opts.schemaItems ?? true;
  if (ctx.position === 'key') {
    const node = schemaAt(ctx.path);
    // `- foo` in a list of scalars is a value of the list, not a key.
    if (ctx.afterDash && !isObjectSchema(node)) return schemaItems ? valueCompletions(ctx, ctx.path) : [];
    return schemaItems && ctx.format === 'yaml' ? keyCompletions(ctx) : [];
  }
  if (isInitFrom(ctx.path)) return initFromCompletions(ctx, schemaItems);
  return schemaItems ? valueCompletions(ctx, ctx.path) : [];
}

const isInitFrom = (p: JsonPath) => p.length === 3 && p[0] === 'stages' && typeof p[1] === 'number' && p[2] === 'init_from';

/** Escapes text for a snippet body. */
const snip = (s: string) => s.replace(/[\\$}]/g, (c) => `\\${c}`);
const choice = (values: string[]) => `\${1|${values.map((v) => v.replace(/[\\|,]/g, (c) => `\\${c}`)).join(',')}|}`;

function keyCompletions(ctx: CursorContext): CompletionSpec[] {
  return remainingKeys(ctx.path, ctx.presentKeys).map((k, i) => {
    const body = ctx.keyHasColon ? snip(k.key) : keySnippet(k.key, k.schema, ctx);
    const nested = !ctx.keyHasColon && (isObjectSchema(k.schema) && !!k.schema.properties);
    return {
      label: k.key,
      kind: 'key',
      insertText: body,
      detail: `${typeLabel(k.schema)}${k.required ? ' (required)' : ''}`,
      documentation: hoverMarkdown([...ctx.path, k.key]) ?? k.description,
      sortText: `${k.required ? 0 : 1}${String(i).padStart(3, '0')}`,
      replaceStart: ctx.replaceStart,
      replaceEnd: ctx.replaceEnd,
      retrigger: nested || undefined,
    };
  });
}

/** `key: value` with the schema's default (or choices) as the placeholder; nested blocks on the next line. */
export function keySnippet(key: string, schema: SchemaNode, ctx: Pick<CursorContext, 'path' | 'stageIds'>): string {
  const k = snip(key);
  const path = [...ctx.path, key];
  if (isInitFrom(path)) {
    const earlier = earlierIds(ctx, path);
    return `${k}: ${choice([...earlier.reverse(), 'null'])}`;
  }
  if (key === 'stages' && ctx.path.length === 0) {
    return `${k}:\n\t- id: \${1:perception}\n\t  kind: \${2|${PAPER_ORDER.join(',')},sft,merged|}\n\t  steps: \${3:90}\n$0`;
  }
  if (schema.enum) {
    const values = schema.enum.map((v) => yamlScalar(v));
    const def = schema.default === undefined ? undefined : yamlScalar(schema.default);
    return `${k}: ${choice(def ? [def, ...values.filter((v) => v !== def)] : values)}`;
  }
  const types = typesOf(schema);
  if (types.includes('boolean')) {
    const def = schema.default === true;
    return `${k}: ${choice(def ? ['true', 'false'] : ['false', 'true'])}`;
  }
  if (types.includes('array')) return `${k}:\n\t- $0`;
  if (types.includes('object')) {
    if (schema.properties) return `${k}:\n\t$0`;
    return `${k}:\n\t\${1:NAME}: \${2:value}`;
  }
  const placeholder = schema.default ?? schema.examples?.[0];
  return placeholder === undefined ? `${k}: $0` : `${k}: \${1:${snip(yamlScalar(placeholder))}}`;
}

function earlierIds(ctx: Pick<CursorContext, 'stageIds'>, path: JsonPath): string[] {
  const index = path[1] as number;
  return ctx.stageIds.slice(0, index).filter((id): id is string => !!id);
}

function quoted(ctx: CursorContext, v: unknown): string {
  if (ctx.format === 'json') return JSON.stringify(v);
  if (ctx.quote) return `${ctx.quote}${String(v)}${ctx.quote}`;
  return yamlScalar(v);
}

function valueCompletions(ctx: CursorContext, path: JsonPath): CompletionSpec[] {
  const node = schemaAt(path);
  if (!node) return [];
  const base = { replaceStart: ctx.replaceStart, replaceEnd: ctx.replaceEnd, kind: 'value' as const };
  const values = enumValuesAt(path);
  if (values.length) {
    return values.map((e, i) => ({
      ...base,
      label: String(e.value),
      insertText: snip(quoted(ctx, e.value)),
      detail: e.value === node.default ? '(default)' : typeLabel(node),
      documentation: e.description ?? '',
      sortText: `${e.value === node.default ? 0 : 1}${String(i).padStart(3, '0')}`,
      preselect: e.value === node.default || undefined,
    }));
  }
  const types = typesOf(node);
  const out: unknown[] = [];
  if (types.includes('boolean')) out.push(...(node.default === true ? [true, false] : [false, true]));
  else {
    if (node.default !== undefined) out.push(node.default);
    for (const ex of node.examples ?? []) if (!out.includes(ex)) out.push(ex);
  }
  return out.map((v, i) => ({
    ...base,
    label: ctx.format === 'json' ? JSON.stringify(v) : yamlScalar(v),
    insertText: snip(quoted(ctx, v)),
    detail: v === node.default ? '(default)' : typeLabel(deref(node)),
    documentation: hoverMarkdown(path) ?? '',
    sortText: String(i).padStart(3, '0'),
    preselect: (v === node.default) || undefined,
  }));
}

/** Earlier stage ids (the stage before preselected), and null unless the schema's owner offers it already. */
function initFromCompletions(ctx: CursorContext, withNull: boolean): CompletionSpec[] {
  const index = ctx.path[1] as number;
  const earlier = earlierIds(ctx, ctx.path);
  const previous = ctx.stageIds[index - 1];
  const base = { replaceStart: ctx.replaceStart, replaceEnd: ctx.replaceEnd, kind: 'value' as const };
  const items: CompletionSpec[] = earlier.map((id) => {
    const j = ctx.stageIds.indexOf(id);
    return {
      ...base,
      label: id,
      insertText: snip(quoted(ctx, id)),
      detail: id === previous ? `stages[${j}] (the default: the stage before)` : `stages[${j}]`,
      documentation: `Start from the final checkpoint of stage \`${id}\`.`,
      sortText: `${id === previous ? 0 : 1}${String(index - j).padStart(3, '0')}`,
      preselect: id === previous || undefined,
    };
  });
  if (withNull) {
    items.push({
      ...base,
      label: 'null',
      insertText: 'null',
      detail: index === 0 ? 'the base model (the default for the first stage)' : 'the base model',
      documentation: 'Start from the base model (`model.path` for external trainers, a fresh init for the built-in trainer).',
      sortText: '2',
    });
  }
  return items;
}
