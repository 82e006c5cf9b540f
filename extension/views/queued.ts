// A stage waiting in a batch queue (SLURM: status pending with a job id): how the runs view and the status bar
// say so, with SLURM's reason (e.g. "Priority", "Resources", "PartitionConfig: the request exceeds …").
import type { StageStatus } from '../../protocol/runRecords';

/** "queued as job 12: Resources …", or undefined when the stage is not waiting in a queue. */
export function queuedText(status: StageStatus | undefined): string | undefined {
  if (!status || status.state !== 'pending' || !status.job_id) return undefined;
  return `queued as job ${status.job_id}${status.pending_reason ? `: ${status.pending_reason}` : ''}`;
}
