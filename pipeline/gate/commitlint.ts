// commitlint as a library: the repository's own commitlint config when it has one, else
// @commitlint/config-conventional. Loaded once per repository and reused for every message.
//
// The conventional default is imported statically, not resolved by name through
// @commitlint/load: `extends` and `parserPreset` are module names that load() resolves with
// Node's resolver at run time, which finds nothing inside a bundled action (no node_modules
// beside actions/<step>/dist/index.js). What load() would build from it is rebuilt here.
import lint from '@commitlint/lint';
import load from '@commitlint/load';
import conventional from '@commitlint/config-conventional';
// @ts-expect-error -- an untyped CommonJS file; its one export is typed by the cast below.
import { createParserOpts as untypedParserOpts } from 'conventional-changelog-conventionalcommits/parserOpts.js';
import { ConfigError } from '../core/errors.js';

type Rules = NonNullable<Parameters<typeof lint>[1]>;
type LintOpts = NonNullable<Parameters<typeof lint>[2]>;
type ParserOpts = NonNullable<LintOpts['parserOpts']>;
export type LintOutcome = Awaited<ReturnType<typeof lint>>;

export interface CommitLinter {
  /** Where the rules came from: the repo's config, or the conventional default. */
  source: 'repository' | 'config-conventional';
  helpUrl: string;
  lint(message: string): Promise<LintOutcome>;
}

/** load()'s fallback help link, used by the commitlint CLI when a config names none. */
const DEFAULT_HELP_URL = 'https://github.com/conventional-changelog/commitlint/#what-is-commitlint';
/** The preset module config-conventional names as its parser (what load() would import). */
const CONVENTIONAL_PARSER = 'conventional-changelog-conventionalcommits';

const createParserOpts = untypedParserOpts as (config?: { issuePrefixes?: string[] }) => ParserOpts;

const cache = new Map<string, Promise<CommitLinter>>();

export function commitLinter(repoDir: string): Promise<CommitLinter> {
  let p = cache.get(repoDir);
  if (!p) {
    p = build(repoDir);
    cache.set(repoDir, p);
    p.catch(() => cache.delete(repoDir));
  }
  return p;
}

/**
 * @commitlint/config-conventional as load() resolves it: its rules (plain arrays, so no rule
 * functions to execute) and the parser options of the preset it names. load() calls the
 * preset's factory with no config, which yields exactly createParserOpts() (issue prefix `#`).
 */
export function conventionalDefault(): { rules: Rules; opts: LintOpts } {
  if (conventional.parserPreset !== CONVENTIONAL_PARSER) {
    // A future config-conventional naming another preset must not be linted with a stale parser.
    throw new Error(`@commitlint/config-conventional names parser preset ${conventional.parserPreset}; shardship bundles ${CONVENTIONAL_PARSER}`);
  }
  return {
    rules: conventional.rules as Rules,
    opts: { parserOpts: createParserOpts(), plugins: {}, ignores: [], defaultIgnores: true, helpUrl: DEFAULT_HELP_URL },
  };
}

async function build(repoDir: string): Promise<CommitLinter> {
  let loaded: Awaited<ReturnType<typeof load>>;
  try {
    loaded = await load({}, { cwd: repoDir });
  } catch (e) {
    throw new ConfigError(
      [{ path: '', message: `cannot load the repository's commitlint config: ${(e as Error).message.split('\n')[0] ?? ''}`, hint: 'install what it extends (npm ci) or fix the config file' }],
      { cause: e },
    );
  }
  if (Object.keys(loaded.rules).length === 0 && loaded.extends.length === 0) {
    const { rules, opts } = conventionalDefault();
    return { source: 'config-conventional', helpUrl: DEFAULT_HELP_URL, lint: (message) => lint(message, rules, opts) };
  }
  const opts: LintOpts = {
    parserOpts: (loaded.parserPreset?.parserOpts ?? {}) as LintOpts['parserOpts'],
    plugins: loaded.plugins,
    ignores: loaded.ignores ?? [],
    defaultIgnores: loaded.defaultIgnores !== false,
    helpUrl: loaded.helpUrl,
  };
  const rules: Rules = loaded.rules;
  return { source: 'repository', helpUrl: loaded.helpUrl, lint: (message) => lint(message, rules, opts) };
}
