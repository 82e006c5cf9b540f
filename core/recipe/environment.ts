// The real outside world for semantic checks: the file system and PATH of this machine.
import { existsSync, statSync, accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, isAbsolute } from 'node:path';
import type { CheckEnvironment } from './checks/context';

export function which(command: string): string | undefined {
  const candidates = isAbsolute(command) || command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return c;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

function readText(file: string): string | undefined {
  try {
    return statSync(file).size <= 4 << 20 ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

export function defaultCheckEnvironment(recipeDir: string): CheckEnvironment {
  return { recipeDir, fileExists: existsSync, which, readText };
}
