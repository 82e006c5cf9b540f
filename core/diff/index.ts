// Comparing two checkpoints' answers on the same prompts: parse, pair, summarise, word-diff.
export { parseEvalText, formatEvalProblem, type EvalFile, type EvalProblem } from './evalFile';
export { loadEvalFile, EvalFileError } from './loadEval';
export { pairRecords, type Pair, type Pairing } from './pair';
export { summarize, pairedAccuracyDelta, describeSampling } from './diffSummary';
export { wordDiff, sideText } from './wordDiff';
export { compareEvals, toRow, type Comparison, type CompareOptions } from './comparison';
export { formatSummary } from './formatDiff';
