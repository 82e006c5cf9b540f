// Who answers the schema-only questions (syntax and schema errors, key/enum completion, descriptions) for a
// recipe, so nothing shows twice: VS Code's JSON service for *.recipe.json (package.json jsonValidation),
// Red Hat YAML for a YAML recipe it has a schema for, and we ourselves otherwise. Pure, for unit tests.

export type SchemaOwner = 'see2think' | 'json-service' | 'redhat-yaml';

export interface OwnerInputs {
  format: 'yaml' | 'json';
  text: string;
  /** redhat.vscode-yaml is installed and enabled. */
  redhatYaml: boolean;
  /** Its `yaml.schemas` setting: schema → glob(s). */
  yamlSchemas?: Record<string, string | string[]>;
}

/** `# yaml-language-server: $schema=<url>` on a comment line (Red Hat YAML's per-file schema). */
const MODELINE = /^#\s*yaml-language-server\s*:.*\$schema\s*=\s*\S+/m;

export function schemaOwner(o: OwnerInputs): SchemaOwner {
  if (o.format === 'json') return 'json-service';
  if (!o.redhatYaml) return 'see2think';
  // We do not contribute `yamlValidation`, so Red Hat YAML validates a recipe only when the user associated
  // a schema with it: a modeline in the file, or a `yaml.schemas` entry naming recipe files.
  if (MODELINE.test(o.text)) return 'redhat-yaml';
  const globs = Object.values(o.yamlSchemas ?? {}).flat();
  return globs.some((g) => /\.recipe\.|recipe\.ya?ml/i.test(String(g))) ? 'redhat-yaml' : 'see2think';
}

/** Problems the owner already shows (syntax and schema) are not ours to repeat. */
export function showsProblem(owner: SchemaOwner, code: string): boolean {
  return owner === 'see2think' || !(code === 'syntax' || code.startsWith('schema/'));
}
