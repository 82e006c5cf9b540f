// Which documents are recipes, for every recipe language feature: *.recipe.yaml / .yml (language yaml) and
// *.recipe.json (language json), on disk or unsaved.
import * as vscode from 'vscode';
import { schemaOwner, type SchemaOwner } from './schemaOwner';

export const RECIPE_SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml', pattern: '**/*.recipe.{yaml,yml}' },
  { language: 'json', pattern: '**/*.recipe.json' },
];

export function isRecipeDocument(doc: vscode.TextDocument): boolean {
  return vscode.languages.match(RECIPE_SELECTOR, doc) > 0;
}

/** The file name the validator keys its format on (json vs yaml). */
export function recipeFileName(doc: vscode.TextDocument): string {
  return doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.path;
}

export const REDHAT_YAML = 'redhat.vscode-yaml';

export function ownerOf(doc: vscode.TextDocument): SchemaOwner {
  return schemaOwner({
    format: doc.languageId === 'json' ? 'json' : 'yaml',
    text: doc.getText(),
    redhatYaml: !!vscode.extensions.getExtension(REDHAT_YAML),
    yamlSchemas: vscode.workspace.getConfiguration('yaml').get<Record<string, string | string[]>>('schemas'),
  });
}
