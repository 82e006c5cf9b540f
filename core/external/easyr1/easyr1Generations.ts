// EasyR1's validation samples: <save_checkpoint_path>/generations.log, appended by FileGenerationLogger as
// blocks `[prompt] …\n[output] …\n[ground_truth] …\n[score] …\n\n` (no step: the round's val metrics are
// logged right after). Read incrementally: a block counts once its closing blank line is there; a torn block
// waits; the file is emptied when EasyR1 restarts, and reading then starts over.
// Source: hiyouga/EasyR1 verl/utils/logger/gen_logger.py (FileGenerationLogger).
import { pullAppended } from '../../rundir/appendedBytes';
import { parsePythonNumber } from '../pythonValues';
import type { AdapterNote } from '../foreignRun';

export const EASYR1_GENERATIONS = 'generations.log';

export interface GenerationBlock {
  prompt: string;
  output: string;
  ground_truth: string;
  score: number;
}

export interface GenerationsChunk {
  blocks: GenerationBlock[];
  notes: AdapterNote[];
  truncated: boolean;
}

const PROMPT = '[prompt] ';
const OUTPUT = '\n[output] ';
const TRUTH = '\n[ground_truth] ';
const SCORE = '\n[score] ';

/**
 * Splits complete blocks off the front of `text`. The prompt ends at the first "\n[output] ", the ground
 * truth starts at the last "\n[ground_truth] " before the score line, and a block ends at a score line
 * that is a number followed by a blank line — so prompts and outputs may hold anything else, even blank lines.
 */
export function splitGenerationBlocks(text: string): { blocks: GenerationBlock[]; consumed: number; skipped: string[] } {
  const blocks: GenerationBlock[] = [];
  const skipped: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (!text.startsWith(PROMPT, pos)) {
      // Not at a block start: skip to the next line that starts one (and say what was skipped).
      const next = text.indexOf('\n' + PROMPT, pos);
      const lineEnd = text.indexOf('\n', pos);
      if (next === -1) {
        if (lineEnd === -1) break; // an incomplete line: wait for more
        skipped.push(text.slice(pos, lineEnd));
        pos = lineEnd + 1;
        continue;
      }
      const junk = text.slice(pos, next).trim();
      if (junk) skipped.push(junk);
      pos = next + 1;
      continue;
    }
    const outAt = text.indexOf(OUTPUT, pos);
    if (outAt === -1) break;
    let search = outAt + OUTPUT.length;
    let done = false;
    while (!done) {
      const scoreAt = text.indexOf(SCORE, search);
      if (scoreAt === -1) break;
      const lineEnd = text.indexOf('\n', scoreAt + SCORE.length);
      if (lineEnd === -1 || lineEnd + 1 >= text.length) break; // score line or its blank line not written yet
      const score = parsePythonNumber(text.slice(scoreAt + SCORE.length, lineEnd));
      if (score === undefined || text[lineEnd + 1] !== '\n') {
        search = scoreAt + SCORE.length; // "[score]" inside an output: keep looking
        continue;
      }
      const truthAt = text.lastIndexOf(TRUTH, scoreAt);
      if (truthAt < outAt) {
        search = scoreAt + SCORE.length;
        continue;
      }
      blocks.push({
        prompt: text.slice(pos + PROMPT.length, outAt),
        output: text.slice(outAt + OUTPUT.length, truthAt),
        ground_truth: text.slice(truthAt + TRUTH.length, scoreAt),
        score,
      });
      pos = lineEnd + 2;
      done = true;
    }
    if (!done) break;
  }
  return { blocks, consumed: pos, skipped };
}

export class EasyR1GenerationsTail {
  private offset = 0;

  constructor(readonly path: string) {}

  read(): GenerationsChunk {
    const out: GenerationsChunk = { blocks: [], notes: [], truncated: false };
    const r = pullAppended(this.path, this.offset, (data) => {
      // A block is taken only once its closing blank line is there, so a multi-byte character cut at the end
      // of `data` is never inside what is consumed.
      const text = data.toString('utf8');
      const { blocks, consumed, skipped } = splitGenerationBlocks(text);
      out.blocks.push(...blocks);
      for (const s of skipped) out.notes.push({ level: 'warn', file: this.path, message: `text outside a [prompt] block skipped: ${s.slice(0, 80)}` });
      return Buffer.byteLength(text.slice(0, consumed), 'utf8');
    }, () => {
      out.truncated = true;
      out.notes.push({ level: 'warn', file: this.path, message: 'the file was emptied (EasyR1 restarted); the samples read before are kept' });
    });
    this.offset = r.offset;
    return out;
  }
}
