// The alert rules a run was launched with: its frozen recipe's `alerts:` section, defaults applied. A run whose
// recipe cannot be read (hand-made, damaged) is still checked, with the default rules and a note saying so.
import { resolveAlerts, type ResolvedAlerts } from '../../protocol/alerts';
import { openRun } from '../rundir/runDir';

export function alertRulesOf(runDir: string): { rules: ResolvedAlerts; note?: string } {
  try {
    return { rules: openRun(runDir).recipe.alerts };
  } catch (err) {
    return { rules: resolveAlerts(undefined), note: `alerts: the default rules (the run's recipe is unreadable: ${(err as Error).message.split('\n')[0]})` };
  }
}
