// `${name}` placeholders in a recipe's command, overrides and environment values, replaced inside each
// argument (never by a shell): unknown names are an error that names them, `$$` is a literal `$`.

export type Variables = Record<string, string>;

export class SubstitutionError extends Error {}

const PLACEHOLDER = /\$\$|\$\{([^}]*)\}/g;

export function substitute(text: string, vars: Variables, where: string): string {
  return text.replace(PLACEHOLDER, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    if (name !== undefined && Object.hasOwn(vars, name)) return vars[name];
    const known = Object.keys(vars).map((k) => '${' + k + '}').join(', ');
    throw new SubstitutionError(`${where}: unknown placeholder \${${name}} (known: ${known}; write $$ for a literal $)`);
  });
}
