// The text edits behind the recipe quick fixes, computed from the source so they keep the user's layout and
// comments: insert a missing key, replace a key or value, and reorder the stages (fixing init_from chains).
import { parseDocument, isMap, isSeq, isScalar, type Node as YamlNode, type Pair } from 'yaml';
import * as jsonc from 'jsonc-parser';
import { PAPER_ORDER, type StageKind } from '../../../protocol/recipe';
import { formatOf, parseRecipeSource, type JsonPath } from '../sourceMap';
import { yamlScalar } from './schemaNav';

export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

/** Applies edits (non-overlapping) to text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.offset - a.offset)) out = out.slice(0, e.offset) + e.text + out.slice(e.offset + e.length);
  return out;
}

/** Replaces a scalar (a key or an enum value) keeping its quotes. */
export function replaceScalarEdit(text: string, range: { start: { offset: number }; end: { offset: number } }, replacement: string, format: 'yaml' | 'json'): TextEdit {
  const old = text.slice(range.start.offset, range.end.offset);
  const q = old[0] === '"' || old[0] === "'" ? old[0] : format === 'json' ? '"' : '';
  const body = q === '"' ? JSON.stringify(replacement).slice(1, -1) : q === "'" ? replacement.replace(/'/g, "''") : yamlScalar(replacement);
  return { offset: range.start.offset, length: old.length, text: `${q}${body}${q}` };
}

/** A recipe's text with its top-level `name` set (New Recipe from a template). */
export function withRecipeName(text: string, name: string, fileName = 'template.recipe.yaml'): string {
  const src = parseRecipeSource(text, fileName);
  return applyEdits(text, [replaceScalarEdit(text, src.rangeOf(['name']), name, src.format)]);
}

// ---------------------------------------------------------------- missing keys

/** Typical stage lengths from the paper (90 / 375 / 465 steps; merged: their sum, 930). */
const PAPER_STEPS: Record<StageKind, number> = { sft: 100, perception: 90, 'textual-reasoning': 375, 'visual-reasoning': 465, merged: 930 };

/** A sensible value for a required key that is missing, from what the recipe already says. */
export function missingKeyValue(root: unknown, objectPath: JsonPath, key: string, fileName: string): unknown {
  const stages = Array.isArray((root as { stages?: unknown })?.stages) ? (root as { stages: Record<string, unknown>[] }).stages : [];
  if (objectPath.length === 0 && key === 'name') {
    const base = fileName.replace(/^.*[\\/]/, '').replace(/\.recipe\.(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
    return base.slice(0, 64) || 'my-recipe';
  }
  if (objectPath.length === 0 && key === 'stages') return [{ id: 'perception', kind: 'perception', steps: PAPER_STEPS.perception }];
  if (objectPath.length === 2 && objectPath[0] === 'stages' && typeof objectPath[1] === 'number') {
    const i = objectPath[1];
    const stage = stages[i] ?? {};
    const prevKind = stages[i - 1]?.kind as StageKind | undefined;
    const kind = (typeof stage.kind === 'string' && stage.kind in PAPER_STEPS ? stage.kind
      : PAPER_ORDER[Math.min(PAPER_ORDER.length - 1, prevKind ? PAPER_ORDER.indexOf(prevKind) + 1 : 0)]) as StageKind;
    if (key === 'kind') return kind;
    if (key === 'steps') return PAPER_STEPS[kind];
    if (key === 'id') {
      const taken = new Set(stages.map((s) => s?.id));
      const wanted = kind.split('-')[0];
      return !taken.has(wanted) ? wanted : `stage-${i + 1}`;
    }
  }
  return '';
}

function yamlValue(v: unknown, indent: string): string {
  if (Array.isArray(v)) return v.map((item) => `\n${indent}  - ${yamlMapInline(item, `${indent}    `)}`).join('');
  return ` ${yamlScalar(v)}`;
}

function yamlMapInline(v: unknown, indent: string): string {
  if (v === null || typeof v !== 'object') return yamlScalar(v);
  return Object.entries(v).map(([k, x], i) => `${i ? `\n${indent}` : ''}${k}: ${yamlScalar(x)}`).join('');
}

/** Inserts `key: value` into the object at `objectPath` (front for names and ids, else after the last key). */
export function insertKeyEdit(text: string, fileName: string, objectPath: JsonPath, key: string, value: unknown): TextEdit | undefined {
  return formatOf(fileName) === 'json' ? insertJsonKey(text, objectPath, key, value) : insertYamlKey(text, objectPath, key, value);
}

const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

function insertYamlKey(text: string, objectPath: JsonPath, key: string, value: unknown): TextEdit | undefined {
  const doc = parseDocument(text);
  const node = (objectPath.length ? doc.getIn(objectPath, true) : doc.contents) as YamlNode | null;
  if (!isMap(node) || !node.range) return undefined;
  const items = node.items as Pair<YamlNode, YamlNode>[];
  if (node.flow || !items.length) {
    if (Array.isArray(value)) return undefined;
    const close = text.lastIndexOf('}', node.range[1]);
    if (close < 0) return undefined;
    return { offset: close, length: 0, text: `${items.length ? ', ' : ''}${key}: ${yamlScalar(value)}` };
  }
  const first = items[0].key?.range?.[0] ?? node.range[0];
  const indent = ' '.repeat(first - lineStartOf(text, first));
  const entry = `${key}:${yamlValue(value, indent)}`;
  if (key === 'name' || key === 'id') return { offset: first, length: 0, text: `${entry}\n${indent}` };
  const last = items[items.length - 1];
  const end = last.value?.range?.[1] ?? last.key?.range?.[1] ?? node.range[1];
  const at = lineEndOf(text, Math.max(first, end - 1));
  return { offset: at, length: 0, text: `\n${indent}${entry}` };
}

function insertJsonKey(text: string, objectPath: JsonPath, key: string, value: unknown): TextEdit | undefined {
  const root = jsonc.parseTree(text);
  const node = root && (objectPath.length ? jsonc.findNodeAtLocation(root, objectPath) : root);
  if (!node || node.type !== 'object') return undefined;
  const entry = `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  const props = node.children ?? [];
  if (!props.length) return { offset: node.offset + 1, length: 0, text: entry };
  const last = props[props.length - 1];
  const end = last.offset + last.length;
  const multiline = text.slice(node.offset, end).includes('\n');
  const indent = multiline ? ' '.repeat(last.offset - lineStartOf(text, last.offset)) : '';
  return { offset: end, length: 0, text: multiline ? `,\n${indent}${entry}` : `, ${entry}` };
}

// ---------------------------------------------------------------- reordering stages

interface StageSlot {
  id: string;
  kind: string;
  /** undefined: not written (the stage before); null: the base model. */
  initFrom: string | null | undefined;
  /** Absolute offsets of the stage's text (what moves) and of its init_from value. */
  start: number;
  end: number;
  initFromRange?: [number, number];
  initFromQuoted?: boolean;
}

/**
 * Moves the stages into `order` (order[k] = the old index of the stage that goes to slot k), rewriting an
 * explicit init_from that chained the curriculum so that each stage still starts from the one before it.
 */
export function reorderStagesEdit(text: string, fileName: string, order: number[]): TextEdit | undefined {
  const json = formatOf(fileName) === 'json';
  const found = json ? jsonStageSlots(text) : yamlStageSlots(text);
  if (!found || found.slots.length !== order.length) return undefined;
  const { slots, region } = found;
  const newInit = chainedInitFrom(slots, order);
  const pieces = order.map((old, k) => {
    const s = slots[old];
    let piece = text.slice(s.start, s.end);
    const init = newInit[k];
    if (init !== undefined && s.initFromRange) {
      const [a, b] = s.initFromRange;
      const v = init === null ? 'null' : json || s.initFromQuoted ? JSON.stringify(init) : yamlScalar(init);
      piece = piece.slice(0, a - s.start) + v + piece.slice(b - s.start);
    }
    return piece;
  });
  let out = '';
  if (region.separators) {
    // JSON and flow lists: each slot keeps its place; the separators between them stay.
    slots.forEach((s, k) => {
      out += pieces[k] + (k < slots.length - 1 ? text.slice(s.end, slots[k + 1].start) : '');
    });
  } else {
    const endsWithNewline = text.slice(region.start, region.end).endsWith('\n');
    out = pieces.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
    if (!endsWithNewline) out = out.replace(/\n$/, '');
  }
  return { offset: region.start, length: region.end - region.start, text: out };
}

/** The init_from each moved stage should have (undefined: leave as written). */
function chainedInitFrom(slots: StageSlot[], order: number[]): (string | null | undefined)[] {
  const curriculum = new Set(slots.filter((s) => (PAPER_ORDER as readonly string[]).includes(s.kind)).map((s) => s.id));
  const newPos = new Map(order.map((old, k) => [slots[old].id, k]));
  return order.map((old, k) => {
    const s = slots[old];
    if (s.initFrom === undefined) return undefined; // not written: it follows the stage before, wherever that is
    const newPrev = k > 0 ? slots[order[k - 1]].id : null;
    const oldPrev = old > 0 ? slots[old - 1].id : null;
    // Written out, it chained the stage to the one before it (null on the first stage), or to another
    // curriculum stage: keep the chain in the new order. Otherwise keep it while it still points back.
    const chained = s.initFrom === oldPrev || (s.initFrom !== null && curriculum.has(s.initFrom));
    const stillValid = s.initFrom === null || (newPos.get(s.initFrom) ?? Infinity) < k;
    const want = chained || !stillValid ? newPrev : s.initFrom;
    return want === s.initFrom ? undefined : want;
  });
}

interface Found {
  slots: StageSlot[];
  region: { start: number; end: number; separators: boolean };
}

function yamlStageSlots(text: string): Found | undefined {
  const doc = parseDocument(text);
  const seq = doc.get('stages', true) as YamlNode | undefined;
  if (!isSeq(seq) || !seq.range) return undefined;
  const items = seq.items as YamlNode[];
  if (items.some((it) => !isMap(it) || !it.range)) return undefined;
  const slot = (it: YamlNode, start: number, end: number): StageSlot => {
    const m = it as unknown as { get(k: string, keep?: boolean): unknown };
    const init = m.get('init_from', true) as YamlNode | undefined;
    const initValue = isScalar(init) ? init.value : undefined;
    return {
      id: String(m.get('id')), kind: String(m.get('kind')), start, end,
      initFrom: init === undefined ? undefined : initValue === null ? null : String(initValue),
      initFromRange: init?.range ? [init.range[0], init.range[1]] : undefined,
      initFromQuoted: isScalar(init) && (init.type === 'QUOTE_DOUBLE' || init.type === 'QUOTE_SINGLE'),
    };
  };
  if (seq.flow) {
    const slots = items.map((it) => slot(it, it.range![0], it.range![1]));
    return { slots, region: { start: slots[0].start, end: slots[slots.length - 1].end, separators: true } };
  }
  // Block list: a stage's text runs from its `- ` line (with the comment lines just above it) to the next stage.
  const starts = items.map((it, j) => {
    const floor = j === 0 ? lineStartOf(text, seq.range![0]) : items[j - 1].range![1];
    let start = lineStartOf(text, it.range![0]);
    for (;;) {
      const prev = lineStartOf(text, start - 1);
      if (start === 0 || prev < floor || !text.slice(prev, start).trim().startsWith('#')) break;
      start = prev;
    }
    return start;
  });
  const lastEnd = items[items.length - 1].range![1];
  const end = Math.min(text.length, lineEndOf(text, Math.max(starts[starts.length - 1], lastEnd - 1)) + 1);
  const slots = items.map((it, j) => slot(it, starts[j], j + 1 < items.length ? starts[j + 1] : end));
  return { slots, region: { start: starts[0], end, separators: false } };
}

function jsonStageSlots(text: string): Found | undefined {
  const root = jsonc.parseTree(text);
  const arr = root && jsonc.findNodeAtLocation(root, ['stages']);
  if (!arr || arr.type !== 'array' || !arr.children?.length) return undefined;
  const slots = arr.children.map((item): StageSlot => {
    const v = jsonc.getNodeValue(item) as Record<string, unknown>;
    const init = jsonc.findNodeAtLocation(item, ['init_from']);
    return {
      id: String(v?.id), kind: String(v?.kind), start: item.offset, end: item.offset + item.length,
      initFrom: v?.init_from === undefined ? undefined : (v.init_from as string | null),
      initFromRange: init ? [init.offset, init.offset + init.length] : undefined,
    };
  });
  return { slots, region: { start: slots[0].start, end: slots[slots.length - 1].end, separators: true } };
}
