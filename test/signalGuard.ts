// For tests of code that must never signal a pid a run folder names: replaces process.kill so that every real
// signal is recorded instead of sent (signal 0, the liveness probe, still goes through). A regression then fails
// the test rather than signalling pid 1 or a user's process. Used by the unit and extension-host layers.
export interface SignalGuard {
  /** `<pid>:<signal>` of every signal that would have been sent. */
  readonly signals: string[];
  restore(): void;
}

export function guardSignals(): SignalGuard {
  const real = process.kill;
  const signals: string[] = [];
  process.kill = ((pid: number, sig?: string | number) => {
    if (sig === 0) return real.call(process, pid, 0);
    signals.push(`${pid}:${String(sig ?? 'SIGTERM')}`);
    return true;
  }) as typeof process.kill;
  return { signals, restore: () => void (process.kill = real) };
}
