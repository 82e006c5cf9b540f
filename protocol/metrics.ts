// Metric names (verl/EasyR1 conventions) and the families the dashboard groups them into.

export const METRICS = {
  rewardOverall: 'reward/overall',
  rewardAccuracy: 'reward/accuracy',
  rewardFormat: 'reward/format',
  responseLength: 'response_length/mean',
  responseLengthMax: 'response_length/max',
  responseClipRatio: 'response_length/clip_ratio',
  klLoss: 'actor/kl_loss',
  klCoef: 'actor/kl_coef',
  ppoKl: 'actor/ppo_kl',
  entropy: 'actor/entropy',
  pgLoss: 'actor/pg_loss',
  clipFrac: 'actor/pg_clipfrac',
  clipFracHigher: 'actor/pg_clipfrac_higher',
  clipFracLower: 'actor/pg_clipfrac_lower',
  gradNorm: 'actor/grad_norm',
  lr: 'actor/lr',
  throughput: 'perf/throughput',
  stepTime: 'perf/time_per_step',
  timeGen: 'timing_s/gen',
  timeRef: 'timing_s/ref',
  timeUpdate: 'timing_s/update',
  timeValidation: 'timing_s/validation',
  sftLoss: 'sft/loss',
  valAccuracy: 'val/accuracy',
  valReward: 'val/reward',
  valFormat: 'val/format',
  valResponseLength: 'val/response_length',
  valResponseLengthCorrect: 'val/response_length_correct',
  valPerceptionErrorShare: 'val/perception_error_share',
  valReasoningErrorShare: 'val/reasoning_error_share',
} as const;

/** A metric name the trainer writes (any other string is still a valid metric in a file). */
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** One step's metrics as the built-in trainer computes them: only names from METRICS compile. */
export type MetricValues = Partial<Record<MetricName, number>>;

export interface MetricFamily {
  id: string;
  title: string;
  metrics: string[];
  /** Log scale makes sense by default (losses, lr). */
  log?: boolean;
}

export const METRIC_FAMILIES: MetricFamily[] = [
  { id: 'reward', title: 'Reward', metrics: [METRICS.rewardOverall, METRICS.rewardAccuracy, METRICS.rewardFormat] },
  { id: 'val', title: 'Validation accuracy', metrics: [METRICS.valAccuracy, METRICS.valReward] },
  { id: 'length', title: 'Response length', metrics: [METRICS.responseLength, METRICS.valResponseLength, METRICS.valResponseLengthCorrect] },
  { id: 'errors', title: 'Wrong visual answers: perception vs reasoning', metrics: [METRICS.valPerceptionErrorShare, METRICS.valReasoningErrorShare] },
  { id: 'kl', title: 'KL loss', metrics: [METRICS.klLoss] },
  { id: 'entropy', title: 'Entropy', metrics: [METRICS.entropy] },
  { id: 'pg', title: 'Policy loss', metrics: [METRICS.pgLoss, METRICS.sftLoss] },
  { id: 'clip', title: 'Clip fraction', metrics: [METRICS.clipFrac, METRICS.clipFracLower] },
  { id: 'grad', title: 'Grad norm', metrics: [METRICS.gradNorm], log: true },
  { id: 'lr', title: 'Learning rate', metrics: [METRICS.lr], log: true },
  { id: 'throughput', title: 'Throughput (tokens/s)', metrics: [METRICS.throughput] },
];
