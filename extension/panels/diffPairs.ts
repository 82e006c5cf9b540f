// Which pair of eval files a restored trace diff panel may open. The page's saved state is the page's: after a
// reload it could name any two files (and their folders would become webview resource roots). The host keeps
// the pairs it opened itself (workspace state) and restores a panel only onto one of those.
import { existsSync } from 'node:fs';

export interface DiffFiles {
  a: string;
  b: string;
}

/** Most pairs remembered (the most recent ones). */
export const MAX_PAIRS = 32;

/** The page's key for a pair (what the diff page saves; see webviews/diff). */
export const pairKey = (f: DiffFiles) => JSON.stringify([f.a, f.b]);

/** The pair a restored page's state names, only when the host opened that pair itself and both files exist. */
export function pairFromState(state: unknown, known: readonly DiffFiles[]): DiffFiles | undefined {
  const key = (state as { key?: unknown } | undefined)?.key;
  if (typeof key !== 'string') return undefined;
  const pair = known.find((f) => pairKey(f) === key);
  return pair && existsSync(pair.a) && existsSync(pair.b) ? { a: pair.a, b: pair.b } : undefined;
}

/** The remembered list with `pair` added (or moved) to the end, oldest dropped beyond MAX_PAIRS. */
export function rememberPair(known: readonly DiffFiles[], pair: DiffFiles): DiffFiles[] {
  return [...known.filter((f) => pairKey(f) !== pairKey(pair)), { a: pair.a, b: pair.b }].slice(-MAX_PAIRS);
}

export const forgetPair = (known: readonly DiffFiles[], pair: DiffFiles): DiffFiles[] => known.filter((f) => pairKey(f) !== pairKey(pair));

/** A memento value read back: only well-formed pairs. */
export const knownPairs = (v: unknown): DiffFiles[] =>
  Array.isArray(v) ? v.filter((f): f is DiffFiles => typeof f?.a === 'string' && typeof f?.b === 'string') : [];
