// Where the cursor is in a recipe that is being typed (so usually not valid YAML/JSON): the JSON path of the
// object whose key is being written, or of the value being written, plus what is already there.
import * as jsonc from 'jsonc-parser';
import { formatOf, type JsonPath } from '../sourceMap';

export interface CursorContext {
  format: 'yaml' | 'json';
  /** 'key': a key of the object at `path` is being typed; 'value': the value at `path`. */
  position: 'key' | 'value';
  path: JsonPath;
  /** The word typed so far (without quotes) and the offsets completion should replace. */
  prefix: string;
  replaceStart: number;
  replaceEnd: number;
  /** The quote the value was opened with, if any. */
  quote?: '"' | "'";
  /** Keys already written in the object at `path` (key position) — elsewhere in the file, not the one being typed. */
  presentKeys: string[];
  /** `stages[i].id` for every stage written so far (undefined where a stage has no id yet). */
  stageIds: (string | undefined)[];
  /** YAML: the word follows a `- ` item marker (in a list of scalars it is a value, not a key). */
  afterDash?: boolean;
  /** Key position: the key is already followed by ':' (complete the name only). */
  keyHasColon?: boolean;
}

export function cursorContext(text: string, offset: number, fileName: string): CursorContext {
  return formatOf(fileName) === 'json' ? jsonContext(text, offset) : yamlContext(text, offset);
}

const pathKey = (p: JsonPath) => JSON.stringify(p);

// ---------------------------------------------------------------- YAML (indentation scanner)

type Frame =
  | { kind: 'map'; col: number; path: JsonPath; lastKey?: string }
  | { kind: 'seq'; col: number; path: JsonPath; index: number };

/** A key at the start of `s`: plain, "double" or 'single' quoted, followed by ':' and a space or the end. */
const KEY_RE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]},&*!|>%@`][^#]*?)[ \t]*:(?=[ \t]|$)/;

function unquoteKey(k: string): string {
  if (k.startsWith('"')) {
    try {
      return JSON.parse(k) as string;
    } catch {
      return k.slice(1, -1);
    }
  }
  return k.startsWith("'") ? k.slice(1, -1).replace(/''/g, "'") : k;
}

/** A scalar value's text without its comment and quotes. */
function scalarText(v: string): string {
  const s = v.replace(/(^|[ \t])#.*$/, '').trim();
  if (/^".*"$/.test(s) || /^'.*'$/.test(s)) return unquoteKey(s);
  return s;
}

class YamlScanner {
  frames: Frame[] = [];
  keys = new Map<string, Set<string>>();
  scalars = new Map<string, string>();
  /** Lines indented deeper than this belong to a block scalar (`|`, `>`). */
  blockScalarOwner: number | undefined;

  private popDeeper(col: number): void {
    while (this.frames.length && this.frames[this.frames.length - 1].col > col) this.frames.pop();
  }

  /** Registers a `- ` at `col`; returns the new item's path. */
  dash(col: number): JsonPath {
    this.popDeeper(col);
    let top = this.frames[this.frames.length - 1];
    if (top?.kind === 'seq' && top.col === col) {
      top.index++;
      return [...top.path, top.index];
    }
    let path: JsonPath;
    if (!top) path = [];
    else if (top.kind === 'map') path = top.lastKey === undefined ? top.path : [...top.path, top.lastKey];
    else path = [...top.path, top.index];
    top = { kind: 'seq', col, path, index: 0 };
    this.frames.push(top);
    return [...path, 0];
  }

  /** The path of the object a key at `col` belongs to (opening a new object when it is deeper). */
  mapFor(col: number): Extract<Frame, { kind: 'map' }> {
    this.popDeeper(col);
    let top = this.frames[this.frames.length - 1];
    // A key at a compact sequence's column ends that sequence.
    while (top?.kind === 'seq' && top.col === col) {
      this.frames.pop();
      top = this.frames[this.frames.length - 1];
    }
    if (top?.kind === 'map' && top.col === col) return top;
    let path: JsonPath;
    if (!top) path = [];
    else if (top.kind === 'map') path = top.lastKey === undefined ? top.path : [...top.path, top.lastKey];
    else path = [...top.path, top.index];
    const frame = { kind: 'map' as const, col, path };
    this.frames.push(frame);
    return frame;
  }

  key(col: number, key: string, value: string, record: boolean): JsonPath {
    const map = this.mapFor(col);
    map.lastKey = key;
    if (record) {
      const k = pathKey(map.path);
      if (!this.keys.has(k)) this.keys.set(k, new Set());
      this.keys.get(k)!.add(key);
      const v = scalarText(value);
      if (v) this.scalars.set(pathKey([...map.path, key]), v);
    }
    if (/^[|>][-+0-9]*\s*(#.*)?$/.test(value.trim())) this.blockScalarOwner = col;
    return [...map.path, key];
  }

  /** Processes one complete line (not the cursor's). */
  line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw; // CRLF files
    const indent = line.length - line.trimStart().length;
    const trimmed = line.trim();
    if (this.blockScalarOwner !== undefined) {
      if (!trimmed || indent > this.blockScalarOwner) return;
      this.blockScalarOwner = undefined;
    }
    if (!trimmed || trimmed.startsWith('#') || trimmed === '---' || trimmed === '...') return;
    let col = indent;
    let rest = line.slice(indent);
    while (/^-([ \t]|$)/.test(rest)) {
      this.dash(col);
      const after = rest.slice(1);
      const gap = after.length - after.trimStart().length;
      col += 1 + gap;
      rest = after.trimStart();
    }
    if (!rest || rest.startsWith('#')) return;
    const m = KEY_RE.exec(rest);
    if (m) this.key(col, unquoteKey(m[1]), rest.slice(m[0].length), true);
  }

  stageIds(): (string | undefined)[] {
    const ids: (string | undefined)[] = [];
    for (const [k, v] of this.scalars) {
      const p = JSON.parse(k) as JsonPath;
      if (p.length === 3 && p[0] === 'stages' && typeof p[1] === 'number' && p[2] === 'id') ids[p[1]] = v;
    }
    return Array.from({ length: ids.length }, (_, i) => ids[i]);
  }
}

function yamlContext(text: string, offset: number): CursorContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl === -1 ? text.length : nl;
  const scanner = new YamlScanner();
  if (lineStart > 0) for (const line of text.slice(0, lineStart - 1).split('\n')) scanner.line(line);

  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd);
  // The rest of the word under the cursor is replaced too.
  const tail = /^[^\s:#,\]}'"]*/.exec(after)![0];
  const indent = before.length - before.trimStart().length;
  const owner = scanner.blockScalarOwner;
  scanner.blockScalarOwner = undefined;
  let ctx: CursorContext;
  if (owner !== undefined && indent > owner) {
    // Inside a `|` or `>` block of free text: nothing to complete.
    ctx = { format: 'yaml', position: 'value', path: [], prefix: '', replaceStart: offset, replaceEnd: offset, presentKeys: [], stageIds: [] };
    scanner.blockScalarOwner = owner;
  } else {
    let col = indent;
    let rest = before.slice(indent);
    let afterDash = false;
    while (/^-[ \t]/.test(rest)) {
      scanner.dash(col);
      const a = rest.slice(1);
      col += 1 + (a.length - a.trimStart().length);
      rest = a.trimStart();
      afterDash = true;
    }
    const m = KEY_RE.exec(rest);
    if (m) {
      const path = scanner.key(col, unquoteKey(m[1]), '', false);
      const raw = rest.slice(m[0].length);
      const valueText = raw.trimStart();
      const start = offset - valueText.length;
      const quote = valueText.startsWith('"') || valueText.startsWith("'") ? (valueText[0] as '"' | "'") : undefined;
      const closing = quote && after.slice(tail.length).startsWith(quote) ? 1 : 0;
      ctx = {
        format: 'yaml', position: 'value', path, prefix: quote ? valueText.slice(1) : valueText,
        replaceStart: start, replaceEnd: offset + tail.length + closing, quote, presentKeys: [], stageIds: [], afterDash,
      };
    } else {
      const map = scanner.mapFor(col);
      ctx = {
        format: 'yaml', position: 'key', path: map.path, prefix: rest, replaceStart: offset - rest.length,
        replaceEnd: offset + tail.length, presentKeys: [], stageIds: [], afterDash,
        keyHasColon: /^[ \t]*:([ \t]|$)/.test(after.slice(tail.length)),
      };
      // The lines below keep their structure as if the word were a key.
      map.lastKey = rest + tail || undefined;
    }
  }
  if (lineEnd < text.length) for (const line of text.slice(lineEnd + 1).split('\n')) scanner.line(line);
  ctx.presentKeys = [...(scanner.keys.get(pathKey(ctx.path)) ?? [])];
  ctx.stageIds = scanner.stageIds();
  return ctx;
}

// ---------------------------------------------------------------- JSON (jsonc-parser is tolerant)

function jsonContext(text: string, offset: number): CursorContext {
  const loc = jsonc.getLocation(text, offset);
  const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
  const prev = loc.previousNode;
  const inPrev = prev && offset >= prev.offset && offset <= prev.offset + prev.length;
  const isString = inPrev && text[prev.offset] === '"';
  const replaceStart = inPrev ? prev.offset : offset;
  const replaceEnd = inPrev ? prev.offset + prev.length : offset;
  const prefix = inPrev ? text.slice(prev.offset + (isString ? 1 : 0), offset) : '';
  const stagesNode = tree && jsonc.findNodeAtLocation(tree, ['stages']);
  const stageIds = (stagesNode?.type === 'array' ? stagesNode.children ?? [] : []).map((item) => {
    const id = jsonc.findNodeAtLocation(item, ['id']);
    return id?.type === 'string' ? String(id.value) : undefined;
  });
  if (loc.isAtPropertyKey) {
    const path = loc.path.slice(0, -1);
    const obj = tree && (path.length ? jsonc.findNodeAtLocation(tree, path) : tree);
    const typed = String(loc.path[loc.path.length - 1] ?? '');
    const presentKeys = (obj?.type === 'object' ? obj.children ?? [] : [])
      .map((p) => p.children?.[0])
      .filter((k): k is jsonc.Node => !!k && !(inPrev && k.offset === prev!.offset))
      .map((k) => String(k.value));
    return { format: 'json', position: 'key', path, prefix: typed ? prefix : '', replaceStart, replaceEnd, quote: isString ? '"' : undefined, presentKeys, stageIds };
  }
  return { format: 'json', position: 'value', path: loc.path, prefix, replaceStart, replaceEnd, quote: isString ? '"' : undefined, presentKeys: [], stageIds };
}
