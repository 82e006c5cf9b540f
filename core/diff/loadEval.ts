// Reads an eval file from disk for comparing: the I/O edge of core/diff (the rest is pure).
import { readFileSync } from 'node:fs';
import { parseEvalText, type EvalFile } from './evalFile';

export class EvalFileError extends Error {}

export function loadEvalFile(path: string): EvalFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalFileError(code === 'ENOENT' ? `${path}: no such eval file` : `${path}: ${(err as Error).message}`);
  }
  const parsed = parseEvalText(text, path);
  if (!parsed.records.length) {
    const why = parsed.problems.find((p) => p.severity === 'error');
    throw new EvalFileError(`${path}: no answers in this eval file${why ? ` (line ${why.line}: ${why.message})` : ''}`);
  }
  return parsed;
}
