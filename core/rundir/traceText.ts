// What trace search looks at and how it is made fast: the searchable text of a trace (its prompt and every
// response), a case-insensitive query compiled into byte prefilters for raw JSON lines, and the index's two
// trigram Bloom filters per block of lines — every lower-cased trigram (a block without one of the query's
// cannot hold it), and those whose text had a capital (a block without any of the query's holds it, if at all,
// only in lower case: found by a native byte search instead of a case-insensitive one). Pure
// (docs/ARCHITECTURE.md, "Traces").
import type { TraceRecord } from '../../protocol/runRecords';

/** Bits of one block's trigram Bloom filter, and of its filter of trigrams written with a capital. */
export const BLOOM_BITS = 16384;
export const BLOOM_WORDS = BLOOM_BITS / 32;
export const UPPER_BITS = 4096;
export const UPPER_WORDS = UPPER_BITS / 32;
const BLOOM_SHIFT = 32 - Math.log2(BLOOM_BITS);
const UPPER_SHIFT = 32 - Math.log2(UPPER_BITS);

/** The strings a search matches against: the prompt and each response's text (non-strings are skipped). */
export function searchableTexts(r: TraceRecord): string[] {
  const out: string[] = [];
  if (typeof r.prompt === 'string') out.push(r.prompt);
  if (Array.isArray(r.responses)) for (const x of r.responses) if (typeof x?.text === 'string') out.push(x.text);
  return out;
}

/** A character folded to 8 bits; three of them make a trigram's 24-bit key (exact for Latin-1 text). */
const fold = (c: number): number => (c ^ (c >>> 8)) & 0xff;
/** The trigram's hash, from its key (one multiply: positions in both filters are its top bits). */
const mix = (key: number): number => Math.imul(key, 0x9e3779b1);
const set = (bits: Uint32Array, at: number, h: number) => (bits[at + (h >>> 5)] |= 1 << (h & 31));
const has = (bits: Uint32Array, at: number, h: number) => (bits[at + (h >>> 5)] & (1 << (h & 31))) !== 0;

/** Hashes of every trigram of a lower-cased string. */
function trigramHashes(lower: string): number[] {
  const out: number[] = [];
  let key = 0;
  for (let i = 0; i < lower.length; i++) {
    key = ((key << 8) | fold(lower.charCodeAt(i))) & 0xffffff;
    if (i >= 2) out.push(mix(key));
  }
  return out;
}

/**
 * Adds every trigram of `text`, lower-cased, to the filter at `bits[at ..]`, and those where `text` has a capital
 * to the one at `upper[upperAt ..]` (all of them when lower-casing changes the text's length).
 */
export function addTrigrams(bits: Uint32Array, at: number, upper: Uint32Array, upperAt: number, text: string): void {
  if (text.length < 3) return;
  const lower = text.toLowerCase();
  const aligned = lower.length === text.length;
  let key = 0;
  /** Bit i set: the character i positions back was a capital. */
  let caps = 0;
  for (let i = 0; i < lower.length; i++) {
    const l = lower.charCodeAt(i);
    key = ((key << 8) | fold(l)) & 0xffffff;
    caps = ((caps << 1) | (!aligned || l !== text.charCodeAt(i) ? 1 : 0)) & 7;
    if (i < 2) continue;
    const h = mix(key);
    set(bits, at, h >>> BLOOM_SHIFT);
    if (caps) set(upper, upperAt, h >>> UPPER_SHIFT);
  }
}

export interface TextQuery {
  /** The query, lower-cased: a trace matches when a searchable text, lower-cased, includes it. */
  lower: string;
  /** The lower-cased query's trigram hashes (none for queries under 3 characters). */
  trigrams: number[];
  /**
   * Case-insensitive prefilter over a raw line's bytes read as latin1: the longest run of the query that every
   * JSON writer leaves unescaped. Undefined when the query has none (every line is then parsed and checked).
   */
  prefilter?: RegExp;
  /** That run lower-cased, as bytes: found natively where a block cannot hold the query with a capital. */
  needle?: Buffer;
}

/** Characters any JSON encoder writes literally (ASCII printable but quote, backslash, / < > & = '). */
const PLAIN = /[ !#-%(-.0-;?-[\]-~]+/g;

export function compileSearch(text: string): TextQuery | undefined {
  if (!text) return undefined;
  const lower = text.toLowerCase();
  const hashes = new Set(trigramHashes(lower));
  let longest = '';
  for (const m of text.match(PLAIN) ?? []) if (m.length > longest.length) longest = m;
  const prefilter = longest ? new RegExp(longest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi') : undefined;
  return { lower, trigrams: [...hashes], prefilter, needle: longest ? Buffer.from(longest.toLowerCase(), 'latin1') : undefined };
}

/** Whether the block filter at `bits[at ..]` may hold a trace containing the query. */
export function mayContain(bits: Uint32Array, at: number, q: TextQuery): boolean {
  for (const h of q.trigrams) if (!has(bits, at, h >>> BLOOM_SHIFT)) return false;
  return true;
}

/**
 * Whether a block may hold the query written with some capital: false only when the query has trigrams and
 * none of them is in the block's filter of capitalised trigrams — every match there is then lower case.
 */
export function mayHoldCapital(upper: Uint32Array, at: number, q: TextQuery): boolean {
  if (!q.trigrams.length) return true;
  for (const h of q.trigrams) if (has(upper, at, h >>> UPPER_SHIFT)) return true;
  return false;
}

/** Whether the trace's prompt or one of its responses contains the query (case-insensitive). */
export function traceContains(r: TraceRecord, q: TextQuery): boolean {
  for (const t of searchableTexts(r)) if (t.toLowerCase().includes(q.lower)) return true;
  return false;
}
