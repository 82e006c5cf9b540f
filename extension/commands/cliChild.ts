// Runs the bundled `see2think` CLI as a child process with `--stream` and hands each JSON line it prints to the
// caller (the extension host never loads TensorFlow.js); a cancellation token stops it with SIGTERM, which the
// CLI treats as Ctrl-C (a running stage checkpoints). Resolves with the exit and the last lines of stderr.
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { parseJsonLoose } from '../../protocol/jsonLines';

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string[];
}

export function runCliStream<R>(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, args: string[], onRecord: (r: R) => void,
  token?: vscode.CancellationToken): Promise<CliExit> {
  const cli = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  log.info(`see2think ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    const stderr: string[] = [];
    const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let r: R;
        try {
          r = parseJsonLoose(line) as R;
        } catch {
          log.info(line);
          continue;
        }
        onRecord(r);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      for (const l of chunk.split('\n').filter(Boolean)) {
        stderr.push(l);
        if (stderr.length > 20) stderr.shift();
      }
    });
    child.on('error', (err) => {
      cancel?.dispose();
      reject(new Error(`could not start see2think ${args[0]}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      cancel?.dispose();
      resolve({ code, signal, stderr });
    });
  });
}
