// Parses recipe text (YAML or JSON) into a plain value plus a map from JSON paths to source ranges, so
// every problem found later (schema, semantics) can point at the exact key or value to fix.
import { parseDocument, LineCounter, isMap, isSeq, isPair, isScalar, type Node as YamlNode, type Document } from 'yaml';
import * as jsonc from 'jsonc-parser';

export type JsonPath = (string | number)[];

export interface Position {
  /** 0-based character offset. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  col: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface SyntaxProblem {
  message: string;
  range: Range;
}

export interface RecipeSource {
  format: 'yaml' | 'json';
  text: string;
  /** The parsed value (undefined when the text could not be parsed at all). */
  value: unknown;
  syntaxErrors: SyntaxProblem[];
  /** Range of the value at `path`, or of its key when `part` is 'key'. Falls back to the nearest ancestor. */
  rangeOf(path: JsonPath, part?: 'key' | 'value'): Range;
  /** Keys in source order at an object path (for duplicate detection and completion). */
  keysAt(path: JsonPath): { key: string; range: Range }[];
}

export function formatOf(fileName: string): 'yaml' | 'json' {
  return /\.json$/i.test(fileName) ? 'json' : 'yaml';
}

export function parseRecipeSource(text: string, fileName: string): RecipeSource {
  return formatOf(fileName) === 'json' ? parseJson(text) : parseYaml(text);
}

/** Offsets → 1-based line/column. */
export function positionAt(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { offset, line: lo + 1, col: offset - lineStarts[lo] + 1 };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function rangeFrom(lineStarts: number[], start: number, end: number): Range {
  return { start: positionAt(lineStarts, start), end: positionAt(lineStarts, Math.max(start, end)) };
}

// ---------------------------------------------------------------- YAML

function parseYaml(text: string): RecipeSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const starts = lineStartsOf(text);
  const syntaxErrors = [...doc.errors].map((e) => ({
    message: e.code === 'DUPLICATE_KEY'
      ? `duplicate key '${text.slice(e.pos[0], e.pos[1]).trim() || '?'}' (map keys must be unique)`
      : cleanYamlMessage(e.message),
    range: rangeFrom(starts, e.pos[0], e.pos[1]),
  }));
  const value = doc.errors.length && !doc.contents ? undefined : safeToJs(doc);
  const whole = rangeFrom(starts, 0, Math.min(text.length, firstLineEnd(text)));

  const nodeRange = (n: YamlNode | null | undefined): Range | undefined =>
    n?.range ? rangeFrom(starts, n.range[0], n.range[1]) : undefined;

  const locate = (path: JsonPath, part: 'key' | 'value'): Range | undefined => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return undefined;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        keyNode = undefined;
        if (node === undefined) return undefined;
      } else return undefined;
    }
    if (part === 'key' && keyNode) return nodeRange(keyNode as YamlNode);
    return nodeRange(node as YamlNode) ?? (keyNode ? nodeRange(keyNode as YamlNode) : undefined);
  };

  return {
    format: 'yaml',
    text,
    value,
    syntaxErrors,
    rangeOf(path, part = 'value') {
      for (let n = path.length; n >= 0; n--) {
        const r = locate(path.slice(0, n), n === path.length ? part : 'key');
        if (r) return r;
      }
      return whole;
    },
    keysAt(path) {
      const node = path.length ? doc.getIn(path, true) : doc.contents;
      if (!isMap(node)) return [];
      return node.items.flatMap((p) => {
        const r = nodeRange(p.key as YamlNode);
        return r ? [{ key: keyText(p.key), range: r }] : [];
      });
    },
  };
}

function keyText(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

function safeToJs(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

function cleanYamlMessage(m: string): string {
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function firstLineEnd(text: string): number {
  const nl = text.indexOf('\n');
  return nl === -1 ? text.length : nl;
}

// ---------------------------------------------------------------- JSON

function parseJson(text: string): RecipeSource {
  const starts = lineStartsOf(text);
  const errors: jsonc.ParseError[] = [];
  const root = jsonc.parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  // Only the first syntax error: the ones after it are usually the parser recovering from the first.
  const syntaxErrors = errors.slice(0, 1).map((e) => ({
    message: jsonErrorMessage(e.error),
    range: rangeFrom(starts, e.offset, e.offset + Math.max(1, e.length)),
  }));
  if (root) syntaxErrors.push(...duplicateJsonKeys(root, starts));
  let value: unknown;
  try {
    value = root ? jsonc.getNodeValue(root) : undefined;
  } catch {
    value = undefined;
  }
  const whole = rangeFrom(starts, 0, Math.min(text.length, firstLineEnd(text)));
  const nodeRange = (n: jsonc.Node) => rangeFrom(starts, n.offset, n.offset + n.length);

  return {
    format: 'json',
    text,
    value,
    syntaxErrors,
    rangeOf(path, part = 'value') {
      if (!root) return whole;
      for (let n = path.length; n >= 0; n--) {
        const node = jsonc.findNodeAtLocation(root, path.slice(0, n));
        if (!node) continue;
        const wantKey = n < path.length || part === 'key';
        if (wantKey && node.parent?.type === 'property' && node.parent.children?.[0]) {
          return nodeRange(node.parent.children[0]);
        }
        return nodeRange(node);
      }
      return whole;
    },
    keysAt(path) {
      const node = root && (path.length ? jsonc.findNodeAtLocation(root, path) : root);
      if (!node || node.type !== 'object') return [];
      return (node.children ?? []).flatMap((p) => {
        const k = p.children?.[0];
        return k ? [{ key: String(k.value), range: nodeRange(k) }] : [];
      });
    },
  };
}

/** JSON.parse silently keeps the last of two equal keys; a recipe author almost never means that. */
function duplicateJsonKeys(root: jsonc.Node, starts: number[]): SyntaxProblem[] {
  const out: SyntaxProblem[] = [];
  const walk = (n: jsonc.Node) => {
    if (n.type === 'object') {
      const seen = new Set<string>();
      for (const p of n.children ?? []) {
        const k = p.children?.[0];
        if (!k) continue;
        const key = String(k.value);
        if (seen.has(key)) out.push({ message: `duplicate key '${key}'`, range: rangeFrom(starts, k.offset, k.offset + k.length) });
        seen.add(key);
      }
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(root);
  return out;
}

function jsonErrorMessage(code: jsonc.ParseErrorCode): string {
  const name = jsonc.printParseErrorCode(code); // e.g. 'CommaExpected'
  const words: Record<string, string> = {
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfString: 'unterminated string',
    ColonExpected: "':' expected",
    CommaExpected: "',' expected",
    CloseBraceExpected: "'}' expected",
    CloseBracketExpected: "']' expected",
  };
  return `JSON syntax error: ${words[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`;
}
