// An experiment's folder (<runs>/experiments/<id>/): experiment.json says what it is (recipes, seeds, controls,
// eval settings) and how much wall time it has spent so far, and recipes/ holds each arm's recipe per seed. A
// second invocation with the same id continues it; one with different settings is refused, not mixed in.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../rundir/runDirReader';
import { writeFileAtomic, writeJsonAtomic } from '../rundir/runDirWriter';
import { armRecipeText, ExperimentError, type ArmPlan, type ExperimentPlan } from './experimentPlan';

export interface ExperimentSettings {
  recipes: [string, string];
  seeds: number;
  controls: boolean;
  evalSize: number;
  evalSeed: number;
}

export interface ExperimentFile extends ExperimentSettings {
  id: string;
  created: string;
  /** Seconds spent by every invocation so far. */
  wallSeconds: number;
}

export const EXPERIMENT_FILES = { state: 'experiment.json', recipes: 'recipes', reportJson: 'report.json', reportMd: 'report.md', figure: 'response_length.png' } as const;

const sameSettings = (a: ExperimentSettings, b: ExperimentSettings) =>
  JSON.stringify([a.recipes, a.seeds, a.controls, a.evalSize, a.evalSeed]) === JSON.stringify([b.recipes, b.seeds, b.controls, b.evalSize, b.evalSeed]);

export class ExperimentState {
  private constructor(readonly plan: ExperimentPlan, private file: ExperimentFile, readonly resumed: boolean) {}

  /** Opens the experiment's folder, creating it on first use; refuses a folder made with other settings. */
  static open(plan: ExperimentPlan, settings: ExperimentSettings): ExperimentState {
    const path = join(plan.dir, EXPERIMENT_FILES.state);
    if (existsSync(path)) {
      const { value, error } = readJsonFile<ExperimentFile>(path);
      if (!value) throw new ExperimentError(`${path}: ${error ?? 'unreadable'}`);
      if (!sameSettings(value, settings)) {
        throw new ExperimentError(`experiment ${plan.id} already exists with other settings (${path}): ` +
          `${JSON.stringify({ recipes: value.recipes, seeds: value.seeds, controls: value.controls, evalSize: value.evalSize, evalSeed: value.evalSeed })}; ` +
          'give a new --id, or the same settings to continue it');
      }
      return new ExperimentState(plan, value, true);
    }
    mkdirSync(join(plan.dir, EXPERIMENT_FILES.recipes), { recursive: true });
    const file: ExperimentFile = { id: plan.id, created: new Date().toISOString(), wallSeconds: 0, ...settings };
    writeJsonAtomic(path, file);
    return new ExperimentState(plan, file, false);
  }

  get settings(): ExperimentFile {
    return this.file;
  }

  /** Adds spent seconds and saves (called after every unit of work, so a killed experiment loses at most one). */
  addWall(seconds: number): void {
    this.file = { ...this.file, wallSeconds: this.file.wallSeconds + seconds };
    writeJsonAtomic(join(this.plan.dir, EXPERIMENT_FILES.state), this.file);
  }

  /** The arm's recipe file for a seed, written once (a continued experiment keeps the text its runs were made from). */
  recipeFile(arm: ArmPlan, seed: number): string {
    const path = join(this.plan.dir, EXPERIMENT_FILES.recipes, `${arm.name}-s${seed}.yaml`);
    if (!existsSync(path)) writeFileAtomic(path, armRecipeText(arm, seed));
    return path;
  }

  path(name: keyof typeof EXPERIMENT_FILES): string {
    return join(this.plan.dir, EXPERIMENT_FILES[name]);
  }
}
