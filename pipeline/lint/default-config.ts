// The ESLint config shardship uses when a repo has none of its own: ESLint's and
// typescript-eslint's `recommended` sets. Untyped by default: a typed program costs seconds
// on a big repo (the gate's budget is ~1.3x plain ESLint on the changed files) and fails on
// files a tsconfig does not include; `typed: true` (rule option) opts in via the project service.
import type { Linter } from 'eslint';

export const DEFAULT_IGNORES = ['**/node_modules/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/*.min.js'];

export async function defaultEslintConfig(opts: { repoDir: string; typed: boolean }): Promise<Linter.Config[]> {
  // Imported lazily: only a gate run that lints pays for loading them.
  const [{ default: js }, { default: tseslint }, { default: globals }] = await Promise.all([
    import('@eslint/js'),
    import('typescript-eslint'),
    import('globals'),
  ]);
  const tsFiles = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
  const configs: Linter.Config[] = [
    { name: 'shardship/ignores', ignores: DEFAULT_IGNORES },
    // Makes .jsx (not matched by ESLint's own defaults) a linted file too.
    { name: 'shardship/files', files: ['**/*.{js,mjs,cjs,jsx}', ...tsFiles] },
    js.configs.recommended,
    ...(tseslint.configs.recommended as Linter.Config[]),
    {
      name: 'shardship/globals',
      languageOptions: { globals: { ...globals.node, ...globals.browser } },
    },
  ];
  if (opts.typed) {
    configs.push(
      ...(tseslint.configs.recommendedTypeChecked as Linter.Config[]).map((c) => ({ ...c, files: c.files ?? tsFiles })),
      { name: 'shardship/typed', files: tsFiles, languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: opts.repoDir } } },
    );
  }
  return configs;
}
