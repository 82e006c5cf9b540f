// How recipe values are written on a Python trainer's command line: OmegaConf/Hydra `key=value` (EasyR1,
// verl) or argparse `--key value` (TRL). Floats keep a decimal point (1 → 1.0, 1e-7 → 1.0e-7) so YAML reads
// them as floats, as in EasyR1's own configs (`lr: 1.0e-6`).

export type Scalar = string | number | boolean;

export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? '.nan' : n > 0 ? '.inf' : '-.inf';
  // Small values the way EasyR1's configs write them (1.0e-6), not 0.000001.
  const s = n !== 0 && Math.abs(n) < 1e-4 ? n.toExponential() : String(n);
  if (/e/i.test(s)) {
    const [mant, exp] = s.split(/e/i);
    return `${mant.includes('.') ? mant : mant + '.0'}e${exp}`;
  }
  return s.includes('.') ? s : s + '.0';
}

export function pyValue(v: Scalar): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  return v;
}

/** An ordered set of `key=value` settings where a later set() of the same key replaces it in place. */
export class Overrides {
  private readonly entries = new Map<string, string | string[]>();

  set(key: string, value: string): this {
    this.entries.set(key, value);
    return this;
  }

  /** A list value: `--key a b` (argparse nargs="+"); only for flags(). */
  list(key: string, values: string[]): this {
    this.entries.set(key, values);
    return this;
  }

  /** Numbers the schema declares as floats. */
  float(key: string, v: number): this {
    return this.set(key, pyFloat(v));
  }

  int(key: string, v: number): this {
    return this.set(key, String(v));
  }

  bool(key: string, v: boolean): this {
    return this.set(key, v ? 'true' : 'false');
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** `key=value` arguments (Hydra/OmegaConf dotlist). */
  dotlist(): string[] {
    return [...this.entries].map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : v}`);
  }

  /** `--key value` pairs (argparse/HfArgumentParser), `--key a b` for a list. */
  flags(): string[] {
    return [...this.entries].flatMap(([k, v]) => [`--${k}`, ...(Array.isArray(v) ? v : [v])]);
  }
}
