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
  // Sampled by the stage process every few seconds (core/system): means since the previous record, memory as its peak.
  systemGpuUtil: 'system/gpu_util',
  systemGpuMemory: 'system/gpu_memory',
  systemGpuPower: 'system/gpu_power',
  systemCpu: 'system/cpu',
  systemRss: 'system/rss',
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
  { id: 'system-gpu', title: 'GPU utilisation (%)', metrics: [METRICS.systemGpuUtil] },
  { id: 'system-gpu-memory', title: 'GPU memory used (GiB)', metrics: [METRICS.systemGpuMemory] },
  { id: 'system-gpu-power', title: 'GPU power (W)', metrics: [METRICS.systemGpuPower] },
  { id: 'system-cpu', title: 'CPU (% of one core)', metrics: [METRICS.systemCpu] },
  { id: 'system-rss', title: 'Memory RSS (GiB)', metrics: [METRICS.systemRss] },
];

/** The families of the system metrics (the stage's GPUs and processes, not its training). */
export const SYSTEM_FAMILIES: readonly string[] = ['system-gpu', 'system-gpu-memory', 'system-gpu-power', 'system-cpu', 'system-rss'];
