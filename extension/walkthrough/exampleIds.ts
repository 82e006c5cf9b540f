// The example recipes the extension ships (examples/<id>.recipe.yaml), in the order a new user meets them.
// Kept apart from examples.ts (which needs 'vscode') so unit tests read the same list.
export const EXAMPLE_IDS = ['quick', 'quick-merged', 'staged', 'merged', 'easyr1'] as const;
