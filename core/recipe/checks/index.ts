// Every semantic check, run in order after the schema passes. Add a check here to have it in the CLI
// (`see2think validate`) and the editor's diagnostics at once.
import type { SemanticCheck } from './context';
import { checkStageGraph } from './stages';
import { checkModelShape, checkDataSource } from './model';
import { checkBatches } from './batches';
import { checkFiles, checkExecutables } from './files';
import { checkStageOrder } from './stageOrder';
import { checkRewardPattern } from './rewardCheck';
import { checkExternalTrainer, checkSlurmLaunch } from './external';
import { checkExternalUpstream } from './upstreamChecks';
import { checkAlerts } from './alertsCheck';

export const SEMANTIC_CHECKS: SemanticCheck[] = [
  checkStageGraph, checkModelShape, checkDataSource, checkBatches, checkRewardPattern, checkFiles, checkExecutables, checkStageOrder,
  checkExternalTrainer, checkExternalUpstream, checkSlurmLaunch, checkAlerts,
];
