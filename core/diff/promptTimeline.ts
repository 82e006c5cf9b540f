// One prompt through a run: every training step that sampled it (its traces) and every checkpoint that
// answered it in an evaluation (evals/*.jsonl), in step order on the run's global axis, each with the word
// diff from the previous entry's shown response. Pure: the host gathers the records (docs/ARCHITECTURE.md, "Traces").
import type { EvalHeader, EvalRecord, TraceRecord, TraceResponse } from '../../protocol/runRecords';
import { MAX_TIMELINE_ENTRIES, shownResponse, type TimelineEntry, type TraceTimeline } from '../../protocol/traces';
import { describeSampling } from './diffSummary';
import { wordDiff } from './wordDiff';

export interface TimelineSources {
  promptId: string;
  /** Training traces of the prompt, with the global offset of their stage (global_step wins when present). */
  train: { record: TraceRecord; stageOffset: number }[];
  /** Evaluation answers of the prompt with their file's header. */
  evals: { file: string; header: EvalHeader | null; record: EvalRecord }[];
  /** Global offset of each stage (to place a checkpoint named "…/<stage>/step-N"). */
  stageOffsets: ReadonlyMap<string, number>;
  problems?: string[];
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** Stage and step of a checkpoint id such as "recipe/run/textual/step-40" (undefined when it is not one). */
export function checkpointPlace(id: unknown): { stage: string; step: number } | undefined {
  const m = typeof id === 'string' ? /(?:^|\/)([^/]+)\/step-(\d+)$/.exec(id) : null;
  return m ? { stage: m[1], step: Number(m[2]) } : undefined;
}

function trainEntry(t: TimelineSources['train'][number]): TimelineEntry {
  const r = t.record;
  const responses = Array.isArray(r.responses) ? r.responses : [];
  const stage = typeof r.stage === 'string' ? r.stage : '';
  const step = num(r.step);
  const globalStep = Number.isFinite(num(r.global_step)) ? num(r.global_step) : t.stageOffset + step;
  return { kind: 'train', stage, step, globalStep, label: `${stage} step ${step}`, responses, shown: shownResponse(responses) };
}

function evalEntry(e: TimelineSources['evals'][number], offsets: ReadonlyMap<string, number>): TimelineEntry {
  const place = checkpointPlace(e.header?.checkpoint);
  const stage = place?.stage ?? '';
  const step = place?.step ?? NaN;
  const globalStep = place ? (offsets.get(place.stage) ?? 0) + place.step : Infinity;
  const where = place ? `${place.stage}/step-${place.step}` : e.file.split(/[\\/]/).pop() ?? e.file;
  const set = e.header?.set ? `${e.header.set}, ` : '';
  const response: TraceResponse = {
    text: e.record.response, reward: e.record.reward, accuracy: e.record.correct ? 1 : 0, format: NaN, length: e.record.length, answer: e.record.answer,
  };
  return { kind: 'eval', stage, step, globalStep, label: `eval ${where} (${set}${describeSampling(e.header)})`, responses: [response], shown: 0 };
}

export function assembleTimeline(src: TimelineSources): TraceTimeline {
  const all = [...src.train.map(trainEntry), ...src.evals.map((e) => evalEntry(e, src.stageOffsets))];
  // Step order; at one step the training sample comes before the evaluation of the checkpoint written there.
  const rank = (e: TimelineEntry) => (e.kind === 'train' ? 0 : 1);
  all.sort((a, b) => (a.globalStep - b.globalStep) || (rank(a) - rank(b)) || a.label.localeCompare(b.label) || 0);
  const omitted = Math.max(0, all.length - MAX_TIMELINE_ENTRIES);
  const entries = all.slice(omitted);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1].responses[entries[i - 1].shown];
    const cur = entries[i].responses[entries[i].shown];
    const a = typeof prev?.text === 'string' ? prev.text : '';
    const b = typeof cur?.text === 'string' ? cur.text : '';
    const d = wordDiff(a, b);
    entries[i].diff = d.segments;
    if (d.coarse) entries[i].coarse = true;
  }
  const first = src.train[0]?.record;
  const ev = src.evals[0]?.record;
  return {
    promptId: src.promptId,
    prompt: typeof first?.prompt === 'string' ? first.prompt : ev?.prompt ?? '',
    groundTruth: typeof first?.ground_truth === 'string' ? first.ground_truth : ev?.ground_truth ?? '',
    entries,
    omitted,
    problems: src.problems ?? [],
  };
}
