// Parses an eval file (evals/<checkpoint-key>.jsonl: an EvalHeader line, then one EvalRecord per prompt)
// from text, whoever wrote it (our eval, or an adapter of EasyR1/verl dumps). Bad lines become positioned
// problems and are skipped; everything readable is kept, so one broken line never hides the rest.
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';
import { isObj } from '../../protocol/guards';

export interface EvalProblem {
  severity: 'error' | 'warning';
  /** 1-based line in the file. */
  line: number;
  message: string;
}

export interface EvalFile {
  file: string;
  header: EvalHeader | null;
  records: EvalRecord[];
  problems: EvalProblem[];
}

export function formatEvalProblem(file: string, p: EvalProblem): string {
  return `${file}:${p.line}: ${p.severity}: ${p.message}`;
}


/** Whitespace-separated words: the stand-in length when a writer gave none. */
export const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** Why a parsed line is not a usable record, or the record (with optional fields filled in). */
function toRecord(v: Record<string, unknown>): EvalRecord | string {
  if (typeof v.prompt_id !== 'string' || !v.prompt_id) return 'no "prompt_id" (a non-empty string)';
  if (typeof v.response !== 'string') return `prompt ${v.prompt_id}: no "response" string`;
  if (typeof v.correct !== 'boolean') return `prompt ${v.prompt_id}: "correct" must be true or false`;
  const gt = v.ground_truth;
  return {
    type: 'answer',
    prompt_id: v.prompt_id,
    task: typeof v.task === 'string' ? v.task : undefined,
    prompt: typeof v.prompt === 'string' ? v.prompt : '',
    image: typeof v.image === 'string' ? v.image : undefined,
    ground_truth: typeof gt === 'string' ? gt : gt === undefined || gt === null ? '' : String(gt),
    response: v.response,
    answer: typeof v.answer === 'string' ? v.answer : v.answer === undefined || v.answer === null ? null : String(v.answer),
    correct: v.correct,
    reward: typeof v.reward === 'number' ? v.reward : v.correct ? 1 : 0,
    length: typeof v.length === 'number' && Number.isFinite(v.length) && v.length >= 0 ? v.length : -1,
    ...(typeof v.perception_ok === 'boolean' || v.perception_ok === null ? { perception_ok: v.perception_ok } : {}),
  };
}

export function parseEvalText(text: string, file: string): EvalFile {
  const out: EvalFile = { file, header: null, records: [], problems: [] };
  const seen = new Set<string>();
  let guessedLengths = 0;
  let firstGuess = 0;
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = parseJsonLoose(raw);
    } catch (err) {
      const torn = i === lines.length - 1 && !endsWithNewline;
      out.problems.push(torn
        ? { severity: 'warning', line, message: 'last line is incomplete (is the evaluation still running?); ignored' }
        : { severity: 'error', line, message: `not valid JSON (${(err as Error).message}); line skipped` });
      continue;
    }
    if (!isObj(value)) {
      out.problems.push({ severity: 'error', line, message: 'expected a JSON object; line skipped' });
      continue;
    }
    if (value.type === 'header') {
      if (out.header || out.records.length) out.problems.push({ severity: 'warning', line, message: 'a second header; ignored' });
      else out.header = value as unknown as EvalHeader;
      continue;
    }
    const record = toRecord(value);
    if (typeof record === 'string') {
      out.problems.push({ severity: 'error', line, message: `${record}; line skipped` });
      continue;
    }
    if (seen.has(record.prompt_id)) {
      out.problems.push({ severity: 'warning', line, message: `prompt ${record.prompt_id} answered twice; the first answer is kept` });
      continue;
    }
    if (record.length < 0) {
      record.length = wordCount(record.response);
      if (!guessedLengths++) firstGuess = line;
    }
    seen.add(record.prompt_id);
    out.records.push(record);
  }
  if (guessedLengths) {
    out.problems.push({ severity: 'warning', line: firstGuess, message: `${guessedLengths} answer(s) have no token "length"; counted words instead` });
  }
  if (!out.header && out.records.length) {
    out.problems.push({ severity: 'warning', line: 1, message: 'no header line (checkpoint, set, sampling unknown)' });
  }
  return out;
}
