// Attach to Run Folder: a run started outside See2Think (an EasyR1, verl or TRL folder) becomes a run directory
// of ours — one stage, "attached" — kept current by reading the foreign files live through the adapters
// (StageMirror), so the runs view, dashboard, traces and trace diff show it like any other run. Nothing is
// written into the foreign folder. Used by the extension command and `see2think attach`. Its state: running
// while the folder changes; succeeded at the planned last step when the run's config or output says how
// many steps it planned (EasyR1 experiment_config.json, TRL trainer_state.json, a "Total training steps"
// console line); when it stops changing before that, failed — or unknown when nothing says the plan.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { RUN_FILES, type RunMeta, type StageStatus } from '../../protocol/runRecords';
import { StageWriter, writeRunMeta } from '../rundir/runDirWriter';
import { openForeignReader, type DetectedFolder } from './detect';
import type { ForeignRunReader } from './foreignRun';
import { StageMirror, type MirrorSink } from './mirror';

export type ForeignFolder = Exclude<DetectedFolder, { kind: 'see2think' }>;

export const ATTACHED_STAGE = 'attached';

export interface AttachOptions {
  /** Folder that holds attached runs: <into>/<recipe-name>/<run-id>/. */
  into: string;
  /** No new foreign output for this long (and not at its last step): shown as stopped. Default 5 min. */
  idleMs?: number;
  now?: () => number;
}

const name = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40) || 'run';

/** Newest modification time of any file in a folder tree (bounded), in ms. */
function newestChange(dir: string, depth = 3): number {
  let newest = 0;
  const walk = (d: string, level: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names.slice(0, 2000)) {
      const p = join(d, n);
      try {
        const st = statSync(p);
        newest = Math.max(newest, st.mtimeMs);
        if (st.isDirectory() && level < depth) walk(p, level + 1);
      } catch {
        // vanished
      }
    }
  };
  walk(dir, 0);
  return newest;
}

/** Where each trainer says its planned step count, for the `unknown` message. */
const PLAN_HINT: Record<ForeignFolder['kind'], string> = {
  easyr1: 'EasyR1 writes it to experiment_config.json with the file logger, and prints "Total training steps" on the console',
  verl: 'verl prints "Total training steps: N" on the console; its file log does not say it — attach the folder with the console output too',
  trl: 'TRL writes max_steps to trainer_state.json at each checkpoint',
};

export class AttachedRun {
  readonly runDir: string;
  readonly stageDir: string;
  private readonly writer: StageWriter;
  private readonly reader: ForeignRunReader;
  private readonly mirror: StageMirror;
  private readonly status: StageStatus;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private finished = false;

  /** Creates (or recreates: it is re-read from the start) the mirror run directory of a foreign folder. */
  constructor(readonly foreign: ForeignFolder, private readonly o: AttachOptions) {
    const id = createHash('sha1').update(foreign.dir).digest('hex').slice(0, 8);
    const recipeName = `attached-${foreign.kind}`;
    this.runDir = join(o.into, recipeName, `${name(basename(foreign.dir))}-${id}`);
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(this.runDir, { recursive: true });
    this.reader = openForeignReader(foreign, { stage: ATTACHED_STAGE });
    // The recipe needs a step count; the status carries the real one (0 until the run says it).
    const steps = 1;
    const now = new Date(this.now()).toISOString();
    writeFileSync(join(this.runDir, RUN_FILES.recipe), [
      `# Attached by See2Think: a live mirror of ${JSON.stringify(foreign.dir)} (${foreign.kind}); it launches nothing.`,
      `name: ${recipeName}`,
      `description: ${JSON.stringify(`${foreign.kind} run at ${foreign.dir}`)}`,
      // Not launchable: the records come from `see2think attach` reading the folder (run.json names the trainer).
      `model: { trainer: command, command: ${JSON.stringify(['see2think', 'attach', foreign.dir])} }`,
      'stages:',
      `  - { id: ${ATTACHED_STAGE}, kind: merged, steps: ${steps}, init_from: null, data: { file: ${JSON.stringify(foreign.dir)} } }`,
      '',
    ].join('\n'));
    const meta: RunMeta = {
      id: basename(this.runDir), recipe_name: recipeName, recipe_hash: id, created: now, trainer: foreign.kind, target: 'local', stages: [ATTACHED_STAGE],
    };
    writeRunMeta(this.runDir, meta);
    writeFileSync(join(this.runDir, 'attached.json'), JSON.stringify({ folder: foreign.dir, kind: foreign.kind, evidence: foreign.evidence }, null, 2) + '\n');
    this.writer = new StageWriter(this.runDir, ATTACHED_STAGE);
    this.stageDir = this.writer.dir;
    this.status = { stage: ATTACHED_STAGE, state: 'running', target: 'local', started: now, updated: now, step: 0, total_steps: 0 };
    const writer = this.writer;
    const logFile = this.writer.path(RUN_FILES.log);
    const sink: MirrorSink = {
      metric: (r) => writer.metric(r),
      trace: (r) => writer.trace(r),
      checkpoint: () => undefined,
      log: (m, level = 'info') => appendFileSync(logFile, `${new Date().toISOString()} [attached] ${level === 'info' ? '' : level + ': '}${m}\n`),
    };
    this.mirror = new StageMirror({ runDir: this.runDir, stageId: ATTACHED_STAGE, stageDir: this.stageDir, trainer: foreign.kind, globalOffset: 0, parent: null }, sink);
    sink.log(`attached to ${foreign.dir} (${foreign.evidence.join(', ')})`);
    this.writer.status(this.status);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Reads what is new in the foreign folder and updates our copy; returns the stage state. */
  async poll(): Promise<StageStatus['state']> {
    if (this.busy) return this.status.state;
    this.busy = true;
    try {
      const idleMs = this.o.idleMs ?? 300000;
      const idle = this.now() - newestChange(this.foreign.dir) > idleMs;
      // Once the folder stops changing, what was held back for more (a round's samples, the last
      // completions file) is handed over — once; new output later reads on as before.
      this.mirror.apply(idle && !this.finished ? await this.reader.finish() : await this.reader.read());
      this.finished = idle;
      const total = this.reader.plannedSteps() ?? 0;
      const last = this.mirror.lastStep;
      const minutes = Math.round(idleMs / 60000);
      let state: StageStatus['state'] = 'running';
      let error: string | undefined;
      if (total > 0 && last >= total) state = 'succeeded';
      else if (idle && total > 0) {
        state = 'failed';
        error = `no new output for ${minutes} min at step ${last} of ${total}: stopped or crashed?`;
      } else if (idle) {
        state = 'unknown';
        error = `no new output for ${minutes} min at step ${last}; the run does not say how many steps it planned, so it may have finished or stopped (${PLAN_HINT[this.foreign.kind]})`;
      }
      if (state !== this.status.state || last !== this.status.step || total !== this.status.total_steps || error !== this.status.error) {
        Object.assign(this.status, { state, step: last, total_steps: total, updated: new Date(this.now()).toISOString(), error });
        if (!error) delete this.status.error;
        if (this.mirror.lastCheckpoint) this.status.last_checkpoint = this.mirror.lastCheckpoint.rel;
        this.writer.status({ ...this.status });
      }
      return state;
    } finally {
      this.busy = false;
    }
  }

  start(intervalMs = 2000): void {
    this.stop();
    void this.poll();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The foreign folder an attached run directory mirrors (from its attached.json), if it is one. */
export function attachedFolderOf(runDir: string): string | undefined {
  try {
    const a = JSON.parse(readFileSync(join(runDir, 'attached.json'), 'utf8')) as { folder?: unknown };
    return typeof a.folder === 'string' && existsSync(a.folder) ? a.folder : undefined;
  } catch {
    return undefined;
  }
}
