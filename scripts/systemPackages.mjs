// The Debian packages each test layer needs, and the one way they are got: installed with apt-get when running
// as root (a fresh CI machine), else the layer is skipped with a one-line reason. `npm test` checks each layer's
// list before running it, so no layer fails for want of what a later one would install.
// `node scripts/systemPackages.mjs [layer…]` installs the lists of the named layers (all when none is named).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Per test layer: the packages it needs (the trainer needs none: gcc is enough for its native kernels). */
export const LAYER_PACKAGES = {
  webview: ['chromium', 'fonts-liberation'],
  // libkrb5-dev: code-server's postinstall builds the kerberos native module against gssapi headers.
  host: ['chromium', 'fonts-liberation', 'libkrb5-dev'],
  slurm: ['slurmctld', 'slurmd', 'slurm-client', 'munge'],
  ui: ['chromium', 'fonts-liberation', 'libkrb5-dev'],
};

const isRoot = () => process.getuid?.() === 0;

/** The packages of `pkgs` dpkg does not list as installed (all of them where there is no dpkg). */
export function missingPackages(pkgs) {
  return pkgs.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !/install ok installed/.test(r.stdout);
  });
}

let updated = false;

/**
 * Makes `pkgs` present: nothing to do, or apt-get install as root. Returns undefined when they are there, or
 * the one-line reason a layer is skipped (not root, not Debian, apt-get failed).
 */
export function ensurePackages(pkgs, log = console.log) {
  const need = missingPackages(pkgs);
  if (!need.length) return undefined;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasApt) return `needs the Debian packages ${need.join(' ')} (no apt-get here)`;
  if (!isRoot()) return `needs the Debian packages ${need.join(' ')}: run as root, or apt-get install ${need.join(' ')}`;
  log(`[test] installing Debian packages: ${need.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (!updated && !apt(['update', '-qq'])) return 'apt-get update failed';
  updated = true;
  if (!apt(['install', '-y', '-qq', '--no-install-recommends', ...need])) return `apt-get install ${need.join(' ')} failed`;
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const layers = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(LAYER_PACKAGES);
  const pkgs = [...new Set(layers.flatMap((l) => LAYER_PACKAGES[l] ?? []))];
  const why = ensurePackages(pkgs);
  if (why) {
    console.error(why);
    process.exit(1);
  }
}
