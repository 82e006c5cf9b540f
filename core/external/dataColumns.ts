// The columns of a local data file, as far as a recipe check needs them to say before a launch whether a
// trainer can read it: the first record of a JSON-lines (or JSON) file, or the schema in a Parquet file's
// footer (only the footer is read, however large the file). Each column is described by its shape —
// a string, a list (of what), an object (with which keys), a number.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadata, parquetSchema } from 'hyparquet';

export type ColumnShape =
  | { kind: 'string' | 'number' | 'boolean' | 'null' | 'other' }
  | { kind: 'list'; item?: ColumnShape }
  | { kind: 'object'; keys: Record<string, ColumnShape> };

export interface DataColumns {
  format: 'json' | 'parquet';
  columns: Record<string, ColumnShape>;
}

function readBytes(file: string, start: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function shapeOf(v: unknown): ColumnShape {
  if (typeof v === 'string') return { kind: 'string' };
  if (typeof v === 'number') return { kind: 'number' };
  if (typeof v === 'boolean') return { kind: 'boolean' };
  if (v === null) return { kind: 'null' };
  if (Array.isArray(v)) return { kind: 'list', item: v.length ? shapeOf(v[0]) : undefined };
  if (typeof v === 'object') return { kind: 'object', keys: Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shapeOf(x)])) };
  return { kind: 'other' };
}

type Tree = ReturnType<typeof parquetSchema>;

function shapeOfParquet(t: Tree): ColumnShape {
  const e = t.element;
  const logical = e.logical_type?.type;
  if (logical === 'LIST' || e.converted_type === 'LIST') {
    // LIST → repeated group "list" → its "element".
    const inner = t.children[0]?.children[0] ?? t.children[0];
    return { kind: 'list', item: inner ? shapeOfParquet(inner) : undefined };
  }
  if (t.children.length) return { kind: 'object', keys: Object.fromEntries(t.children.map((c) => [c.element.name, shapeOfParquet(c)])) };
  if (logical === 'STRING' || e.converted_type === 'UTF8' || e.type === 'BYTE_ARRAY') return { kind: 'string' };
  if (e.type === 'BOOLEAN') return { kind: 'boolean' };
  if (e.type === 'INT32' || e.type === 'INT64' || e.type === 'FLOAT' || e.type === 'DOUBLE') return { kind: 'number' };
  return { kind: 'other' };
}

/** The columns of a local .jsonl/.json/.parquet file; undefined when it cannot be read (the caller says so). */
export function dataColumns(file: string): DataColumns | undefined {
  try {
    if (/\.parquet$/i.test(file)) {
      const fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      closeSync(fd);
      const tail = readBytes(file, Math.max(0, size - 8), 8);
      if (tail.length < 8 || tail.toString('latin1', 4) !== 'PAR1') return undefined;
      const footer = tail.readUInt32LE(0);
      const bytes = readBytes(file, Math.max(0, size - 8 - footer), footer + 8);
      const schema = parquetSchema(parquetMetadata(bytes));
      return { format: 'parquet', columns: Object.fromEntries(schema.children.map((c) => [c.element.name, shapeOfParquet(c)])) };
    }
    const text = readBytes(file, 0, 4 << 20).toString('utf8');
    const trimmed = text.trimStart();
    // JSON lines (the usual), or one JSON array of records.
    const first = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown[])[0] : JSON.parse(trimmed.split('\n')[0]);
    if (!first || typeof first !== 'object' || Array.isArray(first)) return undefined;
    return { format: 'json', columns: Object.fromEntries(Object.entries(first).map(([k, v]) => [k, shapeOf(v)])) };
  } catch {
    return undefined;
  }
}

/** A list of chat messages ({role, content}), as verl's RLHFDataset and TRL's conversational prompts hold. */
export const isMessages = (s: ColumnShape | undefined) =>
  s?.kind === 'list' && (s.item === undefined || (s.item.kind === 'object' && 'role' in s.item.keys && 'content' in s.item.keys));
