// Recipe checks for external trainers and the SLURM target: positioned problems before any launch.
import { strict as assert } from 'node:assert';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { formatProblem } from '../../core/recipe/problems';

const problems = (yaml: string) => validateRecipeText(yaml, 'r.recipe.yaml').problems
  .filter((p) => p.code.startsWith('external/') || p.code.startsWith('slurm/'))
  .map((p) => formatProblem('r.recipe.yaml', p));

describe('recipe checks: external trainers and SLURM', () => {
  it('an external trainer needs prompts from a file, a first model, a TRL script, known placeholders', () => {
    assert.deepEqual(problems(`name: x
model:
  trainer: easyr1
  overrides: { trainer.save_checkpoint_path: "\${stage_dir}/x", a.b: "\${nope}" }
stages:
  - id: a
    kind: perception
    steps: 3
    data: { generator: perception }
  - id: b
    kind: visual-reasoning
    steps: 3
`), [
      "r.recipe.yaml:3:12: error: stage 'a' starts from the base model: set model.path (a Hugging Face id or a model folder)",
      'r.recipe.yaml:4:69: error: unknown placeholder ${nope} (known: ${stage_dir}, ${stage_id}, ${steps}, ${init_checkpoint}, ${run_dir}, ${recipe_dir}, ${output_dir}; write $$ for a literal $)',
      'r.recipe.yaml:9:24: error: the built-in task generators feed the built-in trainer only; the easyr1 trainer reads prompts from data.file',
      "r.recipe.yaml:10:5: error: stage 'b': the easyr1 trainer reads its prompts from a file: set data.file (JSONL, Parquet or a Hub dataset id)",
    ]);
    assert.deepEqual(problems('name: x\nmodel: { trainer: trl, path: m }\nstages: [{ id: a, kind: perception, steps: 1, data: { file: d.jsonl } }]\n'), [
      'r.recipe.yaml:2:19: error: the trl trainer runs your GRPOTrainer script: set model.script (relative to the recipe)',
    ]);
    assert.deepEqual(problems('name: x\nmodel: { trainer: builtin, overrides: { a: 1 } }\nstages: [{ id: a, kind: sft, steps: 1 }]\n'), [
      'r.recipe.yaml:2:28: warning: overrides are passed to external trainers only; the built-in trainer ignores them',
    ]);
  });

  it('SLURM settings: plain #SBATCH tokens, SLURM times, one option per sbatch_args item; ignored without slurm', () => {
    assert.deepEqual(problems(`name: x
defaults:
  launch: { target: slurm, partition: "gpu debug", time: "1.5", sbatch_args: ["--qos=high", "--wrap=rm -rf /"] }
stages:
  - { id: a, kind: sft, steps: 1 }
  - { id: b, kind: perception, steps: 1 }
  - { id: c, kind: perception, steps: 1, launch: { target: local } }
`), [
      "r.recipe.yaml:3:39: error: 'gpu debug' is not allowed in an #SBATCH line (letters, digits and _ . : , / @ % + = - [ ] only) in stages 'a', 'b'",
      "r.recipe.yaml:3:58: error: '1.5' — SLURM takes whole minutes (e.g. 2) or HH:MM:SS in stages 'a', 'b'",
      "r.recipe.yaml:3:93: error: --wrap is set by See2Think (output goes to the stage's log.txt) in stages 'a', 'b'",
      "r.recipe.yaml:7:60: warning: partition, time, sbatch_args are SLURM settings, ignored with target 'local' in stage 'c'",
    ]);
  });
});
