// Attach to Run Folder: a run started outside See2Think (an EasyR1, verl or TRL folder) becomes a run directory
// of ours — one stage, "attached" — kept current by reading the foreign files live through the adapters
// (StageMirror), so the runs view, dashboard, traces and trace diff show it like any other run. Nothing is
// written into the foreign folder. Used by the extension command and `see2think attach`.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { RUN_FILES, type RunMeta, type StageStatus } from '../../protocol/runRecords';
import { parseJsonLoose } from '../../protocol/jsonLines';
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

/** The number of steps the foreign run is configured for, when its files say. */
export function plannedSteps(d: ForeignFolder): number | undefined {
  const json = (file: string): Record<string, unknown> | undefined => {
    try {
      return parseJsonLoose(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  if (d.kind === 'easyr1') {
    const t = json(join(d.dir, 'experiment_config.json'))?.trainer as Record<string, unknown> | undefined;
    return typeof t?.max_steps === 'number' ? t.max_steps : undefined;
  }
  if (d.kind === 'trl') {
    const cks = readdirSync(d.dir).filter((n) => /^checkpoint-\d+$/.test(n)).sort((a, b) => Number(b.slice(11)) - Number(a.slice(11)));
    const states = [join(d.dir, 'trainer_state.json'), ...cks.map((n) => join(d.dir, n, 'trainer_state.json'))];
    for (const f of states) {
      const s = json(f);
      if (typeof s?.max_steps === 'number' && s.max_steps > 0) return s.max_steps;
    }
  }
  return undefined;
}

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

export class AttachedRun {
  readonly runDir: string;
  readonly stageDir: string;
  private readonly writer: StageWriter;
  private readonly reader: ForeignRunReader;
  private readonly mirror: StageMirror;
  private readonly status: StageStatus;
  private timer?: NodeJS.Timeout;
  private busy = false;

  /** Creates (or recreates: it is re-read from the start) the mirror run directory of a foreign folder. */
  constructor(readonly foreign: ForeignFolder, private readonly o: AttachOptions) {
    const id = createHash('sha1').update(foreign.dir).digest('hex').slice(0, 8);
    const recipeName = `attached-${foreign.kind}`;
    this.runDir = join(o.into, recipeName, `${name(basename(foreign.dir))}-${id}`);
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(this.runDir, { recursive: true });
    const steps = plannedSteps(foreign) ?? 1;
    const now = new Date(this.now()).toISOString();
    writeFileSync(join(this.runDir, RUN_FILES.recipe), [
      `# Attached by See2Think: a live mirror of ${JSON.stringify(foreign.dir)} (${foreign.kind}); it launches nothing.`,
      `name: ${recipeName}`,
      `description: ${JSON.stringify(`${foreign.kind} run at ${foreign.dir}`)}`,
      `model: { trainer: ${foreign.kind}, path: ${JSON.stringify(foreign.dir)} }`,
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
    this.status = { stage: ATTACHED_STAGE, state: 'running', target: 'local', started: now, updated: now, step: 0, total_steps: steps };
    this.reader = openForeignReader(foreign, { stage: ATTACHED_STAGE });
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
      this.mirror.apply(await this.reader.read());
      const total = Math.max(this.status.total_steps, plannedSteps(this.foreign) ?? 0);
      const idle = this.now() - newestChange(this.foreign.dir) > (this.o.idleMs ?? 300000);
      const done = this.mirror.lastStep > 0 && this.mirror.lastStep >= total;
      const state: StageStatus['state'] = done ? 'succeeded' : idle ? 'failed' : 'running';
      const error = state === 'failed' ? `no new output for ${Math.round((this.o.idleMs ?? 300000) / 60000)} min before its last step (${total}): stopped or crashed?` : undefined;
      if (state !== this.status.state || this.mirror.lastStep !== this.status.step || total !== this.status.total_steps) {
        Object.assign(this.status, { state, step: this.mirror.lastStep, total_steps: total, updated: new Date(this.now()).toISOString(), error });
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
