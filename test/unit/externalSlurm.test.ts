// SLURM batch scripts and tool output, without a cluster: hostile recipe strings cannot reach bash unquoted
// (the script is also run by a real bash here), #SBATCH values are checked, sbatch/squeue/scontrol/sacct
// output is parsed, and job states map onto stage states. The real cluster is exercised in test/slurm/.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchScript, bashQuote, checkSbatchArg, escapePattern, sbatchArgv, slurmTime, SlurmScriptError } from '../../core/launch/slurmScript';
import { explainReason, parseSacct, parseSbatchParsable, parseScontrolJob, parseSqueue } from '../../core/launch/slurmCommands';
import { exitOfJob, SlurmLauncher } from '../../core/launch/slurm';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';

const HOSTILE = [`'; touch /tmp/s2t-pwned; echo '`, '$(touch /tmp/s2t-pwned)', '`touch /tmp/s2t-pwned`', 'a\nb c', '"quoted" \\ back', '* ? [x]', ''];

describe('SLURM batch script', () => {
  it('writes #SBATCH lines from the launch block and exec of the argv', () => {
    const s = batchScript({
      jobName: 's2t-paper-perception',
      launch: { target: 'slurm', partition: 'gpu', nodes: 1, gpus: 8, cpus: 64, mem: '900G', time: '2-00:00:00', sbatch_args: ['--qos=high', '--exclusive'] },
      env: { PYTHONUNBUFFERED: '1' },
      argv: ['python3', '-m', 'verl.trainer.main', 'trainer.max_steps=90'],
      comment: 'Generated for stage perception',
    });
    assert.equal(s, [
      '#!/bin/bash',
      '# Generated for stage perception',
      '#SBATCH --job-name=s2t-paper-perception',
      '#SBATCH --partition=gpu',
      '#SBATCH --nodes=1',
      '#SBATCH --gpus-per-node=8',
      '#SBATCH --cpus-per-task=64',
      '#SBATCH --mem=900G',
      '#SBATCH --time=2-00:00:00',
      '#SBATCH --qos=high',
      '#SBATCH --exclusive',
      '',
      "export PYTHONUNBUFFERED='1'",
      "exec 'python3' '-m' 'verl.trainer.main' 'trainer.max_steps=90'",
      '',
    ].join('\n'));
  });

  it('passes hostile arguments and environment values to the program unchanged (run by bash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-sbatch-'));
    try {
      rmSync('/tmp/s2t-pwned', { force: true });
      const script = join(dir, 'job.sbatch');
      const dump = `const fs=require('fs');fs.writeFileSync(${JSON.stringify(join(dir, 'out.json'))},JSON.stringify({argv:process.argv.slice(1),env:process.env.HOSTILE}))`;
      writeFileSync(script, batchScript({ jobName: 'x', launch: { target: 'slurm' }, env: { HOSTILE: HOSTILE[0] + HOSTILE[3] }, argv: [process.execPath, '-e', dump, ...HOSTILE] }));
      const r = spawnSync('bash', [script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
      assert.deepEqual(got.argv, HOSTILE);
      assert.equal(got.env, HOSTILE[0] + HOSTILE[3]);
      assert.equal(existsSync('/tmp/s2t-pwned'), false, 'nothing was executed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses #SBATCH values that are not plain tokens, naming the field', () => {
    const launch = { target: 'slurm' as const };
    const bad = (l: object, re: RegExp) => assert.throws(() => batchScript({ jobName: 'x', launch: { ...launch, ...l }, env: {}, argv: ['true'] }), (e: Error) => e instanceof SlurmScriptError && re.test(e.message));
    bad({ partition: 'gpu\n#SBATCH --wrap=rm' }, /launch\.partition: .* not allowed in an #SBATCH line/);
    bad({ partition: 'gpu debug' }, /launch\.partition/);
    bad({ sbatch_args: ['--qos=high --exclusive'] }, /launch\.sbatch_args\[0\]: .* without blanks/);
    bad({ sbatch_args: ['--wrap=echo hi'] }, /sbatch_args\[0\]: --wrap is set by See2Think/);
    bad({ sbatch_args: ['--output=/etc/passwd'] }, /--output is set by See2Think/);
    bad({ sbatch_args: ['qos=high'] }, /each item is one sbatch option/);
    bad({ sbatch_args: ['--comment=a\u0000b'] }, /control characters/);
    bad({ time: '1.5' }, /launch\.time: '1\.5' — SLURM takes whole minutes \(e\.g\. 2\)/);
    bad({ time: 'tomorrow' }, /not a SLURM time/);
    assert.throws(() => batchScript({ jobName: 'x', launch, env: { 'A B': '1' }, argv: ['true'] }), /environment variable name 'A B'/);
    assert.throws(() => batchScript({ jobName: 'x', launch, env: {}, argv: [] }), /nothing to run/);
    assert.equal(checkSbatchArg('--mail-type=END,FAIL', 0), '--mail-type=END,FAIL');
    assert.deepEqual(['30', '04:00:00', '1-12', '1-12:30:00', '90:00'].map(slurmTime), ['30', '04:00:00', '1-12', '1-12:30:00', '90:00']);
  });

  it('puts file paths on the sbatch argv (any path works), and chains with afterok', () => {
    assert.deepEqual(sbatchArgv({ script: '/r/my runs/job.sbatch', outFile: '/r/my runs/job-%j.out', logFile: '/r/my runs/log.txt', cwd: '/w', dependency: '42' }), [
      'sbatch', '--parsable', '--output=/r/my runs/job-%j.out', '--error=/r/my runs/log.txt', '--open-mode=append', '--chdir=/w',
      '--dependency=afterok:42', '--kill-on-invalid-dep=yes', '/r/my runs/job.sbatch',
    ]);
    assert.equal(bashQuote(`it's`), `'it'\\''s'`);
    // sbatch expands %j, %u … in file names: a literal % in the run path is doubled, the job's own %j kept.
    assert.deepEqual(sbatchArgv({ script: '/r/100%/job.sbatch', outFile: `${escapePattern('/r/100%')}/job-%j.out`, logFile: '/r/100%/log.txt', cwd: '/w' }).slice(2, 4), [
      '--output=/r/100%%/job-%j.out', '--error=/r/100%%/log.txt',
    ]);
  });
});

describe('SLURM tool output', () => {
  it('parses sbatch --parsable, squeue, scontrol and sacct', () => {
    assert.equal(parseSbatchParsable('1234\n'), '1234');
    assert.equal(parseSbatchParsable('77;cluster\n'), '77');
    assert.equal(parseSbatchParsable('Submitted batch job 5\n'), undefined);
    assert.deepEqual(parseSqueue('PENDING|PartitionConfig|\n'), { state: 'PENDING', reason: 'PartitionConfig', node: undefined, source: 'squeue' });
    assert.deepEqual(parseSqueue('RUNNING|None|localhost\n'), { state: 'RUNNING', reason: undefined, node: 'localhost', source: 'squeue' });
    assert.equal(parseSqueue('\n'), undefined);
    const sc = 'JobId=7 JobName=s2t UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=3:0 NodeList=localhost Command=/r/job.sbatch';
    assert.deepEqual(parseScontrolJob(sc), { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: undefined, node: 'localhost', source: 'scontrol' });
    assert.deepEqual(parseScontrolJob('JobId=8 JobState=CANCELLED Reason=None ExitCode=0:15 NodeList=(null)'), { state: 'CANCELLED', reason: undefined, exitCode: 0, signal: 15, node: undefined, source: 'scontrol' });
    assert.deepEqual(parseSacct('9|COMPLETED|0:0\n9.batch|COMPLETED|0:0\n', '9'), { state: 'COMPLETED', exitCode: 0, signal: undefined, source: 'sacct' });
    assert.deepEqual(parseSacct('10|CANCELLED by 0|0:15\n', '10')?.state, 'CANCELLED');
    assert.equal(parseSacct('11|COMPLETED|0:0\n', '9'), undefined);
  });

  it('maps job end states to stage states with reasons a user can act on', () => {
    assert.deepEqual(exitOfJob({ state: 'COMPLETED', exitCode: 0, source: 'scontrol' }, false), { state: 'succeeded', exitCode: 0, signal: null });
    assert.deepEqual(exitOfJob({ state: 'CANCELLED', exitCode: 0, signal: 15, source: 'scontrol' }, true), { state: 'cancelled', exitCode: 0, signal: 'signal 15' });
    assert.match(exitOfJob({ state: 'CANCELLED', source: 'sacct' }, false).error!, /outside See2Think/);
    assert.match(exitOfJob({ state: 'CANCELLED', reason: 'DependencyNeverSatisfied', source: 'scontrol' }, false).error!, /did not succeed/);
    assert.deepEqual(exitOfJob({ state: 'FAILED', exitCode: 3, source: 'scontrol' }, false), { state: 'failed', exitCode: 3, signal: null, error: 'the job exited with code 3' });
    assert.match(exitOfJob({ state: 'TIMEOUT', source: 'scontrol' }, false).error!, /launch\.time/);
    assert.match(exitOfJob({ state: 'OUT_OF_MEMORY', source: 'scontrol' }, false).error!, /launch\.mem/);
    assert.match(explainReason('PartitionConfig'), /^PartitionConfig: the request exceeds/);
    assert.equal(explainReason('SomethingNew'), 'SomethingNew');
  });
});

describe('SLURM job watcher without the SLURM tools', () => {
  it('never settles a job it cannot ask about; follows the status.json the trainer writes instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-notools-'));
    try {
      writeFileSync(join(dir, 'r.recipe.yaml'), 'name: r\ndefaults:\n  launch: { target: slurm }\nstages:\n  - { id: a, kind: sft, steps: 3 }\n');
      const run = createRun({ recipeFile: join(dir, 'r.recipe.yaml'), runId: 'x' });
      const w = new StageWriter(run.runDir, 'a');
      const st = { stage: 'a', state: 'running' as const, target: 'slurm' as const, job_id: '4242', updated: '', total_steps: 3 };
      w.status(st);
      const launcher = new SlurmLauncher({ env: { PATH: join(dir, 'no-tools') }, pollMs: 10, lostAfterPolls: 3 });
      const h = launcher.attach('4242', { runDir: run.runDir, stageId: 'a', logFile: join(w.dir, 'log.txt') })!;
      let ended = false;
      const exit = h.wait().then((e) => ((ended = true), e));
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(ended, false, 'no "SLURM no longer knows job" after the lost-poll limit');
      assert.equal(JSON.parse(readFileSync(join(w.dir, 'status.json'), 'utf8')).state, 'running', 'nothing written into a live job');
      w.status({ ...st, state: 'succeeded', exit_code: 0 });
      assert.deepEqual(await exit, { state: 'succeeded', exitCode: 0, signal: null, error: undefined });
      assert.match(readFileSync(join(w.dir, 'log.txt'), 'utf8'), /not on PATH here: job 4242 is followed through its status.json only/);
      h.detach();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
