// commitlint as a library: the repository's own commitlint config when it has one, else
// @commitlint/config-conventional. Loaded once per repository and reused for every message.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import lint from '@commitlint/lint';
import load from '@commitlint/load';
import { ConfigError } from '../core/errors.js';

type Rules = NonNullable<Parameters<typeof lint>[1]>;
type LintOpts = NonNullable<Parameters<typeof lint>[2]>;
export type LintOutcome = Awaited<ReturnType<typeof lint>>;

export interface CommitLinter {
  /** Where the rules came from: the repo's config, or the conventional default. */
  source: 'repository' | 'config-conventional';
  helpUrl: string;
  lint(message: string): Promise<LintOutcome>;
}

const cache = new Map<string, Promise<CommitLinter>>();
const require = createRequire(import.meta.url);
// Our own install folder: the conventional default resolves from here, not from the checked repo.
const packageRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export function commitLinter(repoDir: string): Promise<CommitLinter> {
  let p = cache.get(repoDir);
  if (!p) {
    p = build(repoDir);
    cache.set(repoDir, p);
    p.catch(() => cache.delete(repoDir));
  }
  return p;
}

async function build(repoDir: string): Promise<CommitLinter> {
  let loaded: Awaited<ReturnType<typeof load>>;
  let source: CommitLinter['source'] = 'repository';
  try {
    loaded = await load({}, { cwd: repoDir });
    if (Object.keys(loaded.rules).length === 0 && loaded.extends.length === 0) {
      source = 'config-conventional';
      loaded = await load({ extends: [require.resolve('@commitlint/config-conventional')] }, { cwd: packageRoot });
    }
  } catch (e) {
    throw new ConfigError(
      [{ path: '', message: `cannot load the repository's commitlint config: ${(e as Error).message.split('\n')[0] ?? ''}`, hint: 'install what it extends (npm ci) or fix the config file' }],
      { cause: e },
    );
  }
  const opts: LintOpts = {
    parserOpts: (loaded.parserPreset?.parserOpts ?? {}) as LintOpts['parserOpts'],
    plugins: loaded.plugins,
    ignores: loaded.ignores ?? [],
    defaultIgnores: loaded.defaultIgnores !== false,
    helpUrl: loaded.helpUrl,
  };
  const rules: Rules = loaded.rules;
  return { source, helpUrl: loaded.helpUrl, lint: (message) => lint(message, rules, opts) };
}
