// Validates a parsed recipe against protocol/recipe.schema.json with ajv and turns each error into a
// positioned Problem with a message a researcher can act on (unknown keys get "did you mean").
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { recipeSchema } from '../../protocol/recipe';
import type { RecipeSource, JsonPath } from './sourceMap';
import { closest, describePath, type Problem } from './problems';

let validator: ValidateFunction | undefined;

/** Compiled lazily: ajv compiles to JS once per process (a few ms), not at extension activation. */
function getValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addVocabulary(['enumDescriptions', 'markdownDescription', 'x-paper']);
    validator = ajv.compile(recipeSchema);
  }
  return validator;
}

const PATTERN_HELP: Record<string, string> = {
  name: "a recipe name is a folder name: letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit",
  id: "a stage id names a folder: lower-case letters, digits, '_' and '-', at most 48, starting with a letter or digit",
  mem: 'memory is a number with an optional K, M, G or T suffix, e.g. 64G',
};

export function checkSchema(src: RecipeSource): Problem[] {
  const validate = getValidator();
  if (validate(src.value)) return [];
  const problems: Problem[] = [];
  for (const e of validate.errors ?? []) {
    const p = toProblem(e, src);
    if (p && !problems.some((q) => q.message === p.message && q.range.start.offset === p.range.start.offset)) {
      problems.push(p);
    }
  }
  return problems;
}

function pointerToPath(pointer: string): JsonPath {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => {
    const k = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(k) ? Number(k) : k;
  });
}

/** Allowed property names of the schema object that produced an error. */
function allowedKeys(e: ErrorObject): string[] {
  return Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 37) + '…' : s;
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let v: unknown = root;
  for (const seg of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[seg];
  return v;
}

function toProblem(e: ErrorObject, src: RecipeSource): Problem | undefined {
  const path = pointerToPath(e.instancePath);
  const where = describePath(path);
  const value = valueAt(src.value, path);
  const base = { severity: 'error' as const, path };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const suggestion = closest(key, allowedKeys(e));
      return {
        ...base, code: 'schema/unknown-key', path: [...path, key],
        range: src.rangeOf([...path, key], 'key'),
        message: `unknown key '${key}' in ${where}` + (suggestion ? ` (did you mean '${suggestion}'?)` : ''),
        fix: suggestion ? { replacement: suggestion } : undefined,
      };
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return {
        ...base, code: 'schema/missing-key',
        range: src.rangeOf(path, path.length ? 'key' : 'value'),
        message: `missing required key '${key}' in ${where}`,
        fix: { insertKey: key },
      };
    }
    case 'type':
      return {
        ...base, code: 'schema/type', range: src.rangeOf(path),
        message: `${where} must be ${String(e.params.type).replace(',', ' or ')}, got ${show(value)}`,
      };
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const suggestion = typeof value === 'string' ? closest(value, allowed) : undefined;
      return {
        ...base, code: 'schema/enum', range: src.rangeOf(path),
        message: `${where} must be one of ${allowed.join(', ')}; got ${show(value)}` +
          (suggestion ? ` (did you mean '${suggestion}'?)` : ''),
        fix: suggestion ? { replacement: suggestion } : undefined,
      };
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return {
        ...base, code: 'schema/range', range: src.rangeOf(path),
        message: `${where} must be ${op} ${e.params.limit}, got ${show(value)}`,
      };
    }
    case 'minItems':
      return {
        ...base, code: 'schema/min-items', range: src.rangeOf(path),
        message: path.join('.') === 'stages'
          ? 'stages is empty: a recipe needs at least one stage'
          : `${where} must have at least ${e.params.limit} item(s)`,
      };
    case 'propertyNames':
      return undefined; // said by the name's own error (below), at the key
    case 'pattern': {
      if (e.propertyName !== undefined) {
        // A key that is not allowed as a name (propertyNames), e.g. an environment variable.
        return {
          ...base, code: 'schema/key-pattern', path: [...path, e.propertyName], range: src.rangeOf([...path, e.propertyName], 'key'),
          message: `${where}: ${show(e.propertyName)} is not allowed as a name: it must match ${e.params.pattern}`,
        };
      }
      const last = String(path[path.length - 1] ?? '');
      return {
        ...base, code: 'schema/pattern', range: src.rangeOf(path),
        message: `${where} ${show(value)} is not allowed: ${PATTERN_HELP[last] ?? `it must match ${e.params.pattern}`}`,
      };
    }
    default:
      return {
        ...base, code: `schema/${e.keyword}`, range: src.rangeOf(path),
        message: `${where} ${e.message ?? 'is invalid'}`,
      };
  }
}
