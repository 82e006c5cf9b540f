// What trace search looks at and how it is made fast: the searchable text of a trace (its prompt and every
// response), a case-insensitive query compiled into a byte prefilter for raw JSON lines, and trigram bits for
// the index's per-block Bloom filters, which let a search skip blocks of traces that cannot contain the query.
// Pure (docs/ARCHITECTURE.md, "Traces").
import type { TraceRecord } from '../../protocol/runRecords';

/** Bits of one block's trigram Bloom filter (a power of two). */
export const BLOOM_BITS = 8192;
export const BLOOM_WORDS = BLOOM_BITS / 32;
const BLOOM_SHIFT = 32 - Math.log2(BLOOM_BITS);

/** The strings a search matches against: the prompt and each response's text (non-strings are skipped). */
export function searchableTexts(r: TraceRecord): string[] {
  const out: string[] = [];
  if (typeof r.prompt === 'string') out.push(r.prompt);
  if (Array.isArray(r.responses)) for (const x of r.responses) if (typeof x?.text === 'string') out.push(x.text);
  return out;
}

const trigramBit = (a: number, b: number, c: number): number =>
  (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> BLOOM_SHIFT;

/** Sets the bit of every trigram of `lower` (already lower-cased) in the filter at `bits[at .. at+BLOOM_WORDS)`. */
export function addTrigrams(bits: Uint32Array, at: number, lower: string): void {
  if (lower.length < 3) return;
  let a = lower.charCodeAt(0);
  let b = lower.charCodeAt(1);
  for (let i = 2; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const h = trigramBit(a, b, c);
    bits[at + (h >>> 5)] |= 1 << (h & 31);
    a = b;
    b = c;
  }
}

export interface TextQuery {
  /** The query, lower-cased: a trace matches when a searchable text, lower-cased, includes it. */
  lower: string;
  /** Bloom bits every matching trace's block must have (empty for queries under 3 characters). */
  trigrams: number[];
  /**
   * Case-insensitive prefilter over a raw line's bytes read as latin1: the longest run of the query that every
   * JSON writer leaves unescaped. Undefined when the query has none (every line is then parsed and checked).
   */
  prefilter?: RegExp;
}

/** Characters any JSON encoder writes literally (ASCII printable but quote, backslash, / < > & = '). */
const PLAIN = /[ !#-%(-.0-;?-[\]-~]+/g;

export function compileSearch(text: string): TextQuery | undefined {
  if (!text) return undefined;
  const lower = text.toLowerCase();
  const bits = new Set<number>();
  for (let i = 2; i < lower.length; i++) bits.add(trigramBit(lower.charCodeAt(i - 2), lower.charCodeAt(i - 1), lower.charCodeAt(i)));
  let longest = '';
  for (const m of text.match(PLAIN) ?? []) if (m.length > longest.length) longest = m;
  const prefilter = longest ? new RegExp(longest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi') : undefined;
  return { lower, trigrams: [...bits], prefilter };
}

/** Whether the block filter at `bits[at ..]` may hold a trace containing the query. */
export function mayContain(bits: Uint32Array, at: number, q: TextQuery): boolean {
  for (const h of q.trigrams) if (!(bits[at + (h >>> 5)] & (1 << (h & 31)))) return false;
  return true;
}

/** Whether the trace's prompt or one of its responses contains the query (case-insensitive). */
export function traceContains(r: TraceRecord, q: TextQuery): boolean {
  for (const t of searchableTexts(r)) if (t.toLowerCase().includes(q.lower)) return true;
  return false;
}
