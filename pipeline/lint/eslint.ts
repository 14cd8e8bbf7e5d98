// The ESLint adapter: the only module that imports `eslint`. It lints given files in-process
// with the repo's own flat config, else its legacy eslintrc (ESLint 9 still runs those through
// `loadESLint({ useFlatConfig: false })`), else shardship's default; never with ESLint's result
// cache (see createCodeLinter); and translates ESLint's errors once: a config that fails to load
// or validate -> ConfigError naming the config file.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as EslintPackage from 'eslint';
import type { ESLint as ESLintClass, Linter } from 'eslint';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { defaultEslintConfig } from './default-config.js';

/** Flat config file names ESLint 9 looks for, in its own order of preference. */
export const ESLINT_CONFIG_FILES = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'];

/** Legacy eslintrc file names, in eslintrc's own order of preference (`.eslintrc` without extension is its oldest form). */
export const ESLINTRC_FILES = ['.eslintrc.js', '.eslintrc.cjs', '.eslintrc.yaml', '.eslintrc.yml', '.eslintrc.json', '.eslintrc'];

export type EslintConfigKind = 'flat' | 'eslintrc';

/** A repo's own ESLint config file at its root (repo-relative) and its format. */
export interface EslintConfigFile {
  file: string;
  kind: EslintConfigKind;
}

/**
 * Which of the repo's config files ESLint would use: a flat config wins (ESLint 9's default
 * when one exists), else a root eslintrc file, else an `eslintConfig` key in package.json
 * (eslintrc's last resort). `read` gives a repo-relative file's content, or undefined.
 */
export async function pickEslintConfig(read: (file: string) => Promise<Buffer | string | undefined>): Promise<EslintConfigFile | undefined> {
  const names = [...ESLINT_CONFIG_FILES, ...ESLINTRC_FILES, 'package.json'];
  // All at once: for a range's head each answer is a git read.
  const contents = await Promise.all(names.map(async (file) => read(file)));
  const file = names.find((name, i) => contents[i] !== undefined && (name !== 'package.json' || hasEslintConfigKey(contents[i])));
  return file === undefined ? undefined : { file, kind: ESLINT_CONFIG_FILES.includes(file) ? 'flat' : 'eslintrc' };
}

function hasEslintConfigKey(packageJson: Buffer | string): boolean {
  try {
    const pkg: unknown = JSON.parse(packageJson.toString());
    return typeof pkg === 'object' && pkg !== null && 'eslintConfig' in pkg;
  } catch {
    return false; // a broken package.json is npm's error to report, not a config choice
  }
}

/** The one-line deprecation notice for an eslintrc config, with the command that migrates it. */
export function eslintrcNotice(file: string): { message: string; hint: string } {
  if (file === 'package.json') {
    return {
      message: 'package.json#eslintConfig is a legacy eslintrc config, deprecated in ESLint 9 and dropped in ESLint 10: linted with it for now',
      hint: 'migrate it to a flat config: move eslintConfig to .eslintrc.json, then npx @eslint/migrate-config .eslintrc.json',
    };
  }
  return {
    message: `${file} is a legacy eslintrc config, deprecated in ESLint 9 and dropped in ESLint 10: linted with it for now`,
    hint: `migrate it to a flat config: npx @eslint/migrate-config ${file}`,
  };
}

/** A file to lint: from the working tree, or `text` when the working tree does not hold the content to check. */
export interface LintTarget {
  /** Repo-relative, forward slashes. */
  path: string;
  text?: string;
}

export interface LintMessage {
  /** ESLint's rule id; null for a fatal parse error. */
  ruleId: string | null;
  /** ESLint's own severity: 2 error, 1 warning. */
  severity: 1 | 2;
  message: string;
  line: number;
  column: number;
  endLine?: number;
  fatal: boolean;
  docsUrl?: string;
}

export interface LintFileReport {
  path: string;
  messages: LintMessage[];
  /** 'files': linted from the working tree; 'text': linted from given content. */
  source: 'files' | 'text';
}

export interface CodeLinterOptions {
  repoDir: string;
  /** Use typed rules in the default config (ignored when the repo has its own config). */
  typed?: boolean;
}

/** Which ESLint lints: the repository's own installed one, or shardship's (with why, when the repo has a config of its own). */
export interface EslintRuntime {
  version: string;
  from: 'repository' | 'shardship';
  notice?: string;
}

type EslintModule = Pick<typeof EslintPackage, 'ESLint' | 'loadESLint'>;

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Where shardship's own ESLint package lives (undefined in a bundle that inlines it). */
function ownEslintDir(): string | undefined {
  try {
    return realpathOrSelf(join(createRequire(import.meta.url).resolve('eslint/package.json'), '..'));
  } catch {
    return undefined;
  }
}

/**
 * The repository's own ESLint when it has a config of its own and ESLint 9 or later installed
 * (its plugins were installed against it), else shardship's, saying why in one line.
 */
export async function loadEslint(repoDir: string, ownConfig: boolean): Promise<{ mod: EslintModule; runtime: EslintRuntime }> {
  const ours = async (why?: string) => {
    const mod = await import('eslint');
    return { mod, runtime: { version: mod.ESLint.version, from: 'shardship' as const, ...(why ? { notice: `${why}: linted with shardship's ESLint ${mod.ESLint.version}` } : {}) } };
  };
  if (!ownConfig) return ours();
  const req = createRequire(join(repoDir, 'package.json'));
  let pkgFile: string;
  try {
    pkgFile = req.resolve('eslint/package.json');
  } catch {
    return ours('no ESLint installed in the repository (npm ci installs it)');
  }
  // A folder whose node_modules is shardship's own (a config from the commits): that is ours.
  if (realpathOrSelf(join(pkgFile, '..')) === ownEslintDir()) return ours();
  const declared = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version?: unknown }).version;
  const version = typeof declared === 'string' ? declared : '';
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? 0);
  if (major < 9) return ours(`the repository's ESLint ${version || '(unknown version)'} is older than 9, whose API the gate drives`);
  try {
    const mod = (await import(pathToFileURL(req.resolve('eslint')).href)) as Partial<EslintModule>;
    if (typeof mod.ESLint !== 'function' || typeof mod.loadESLint !== 'function') return ours(`the repository's ESLint ${version} does not export ESLint and loadESLint`);
    return { mod: mod as EslintModule, runtime: { version, from: 'repository' } };
  } catch (e) {
    return ours(`the repository's ESLint ${version} failed to load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

export interface CodeLinter {
  /** Which ESLint this linter runs. */
  readonly eslint: EslintRuntime;
  /** Repo-relative config file in use, or undefined for shardship's default config. */
  readonly configFile: string | undefined;
  /** The config's format; undefined for shardship's default (a flat config). */
  readonly configKind: EslintConfigKind | undefined;
  lint(targets: LintTarget[]): Promise<LintFileReport[]>;
  /** Load the config now (a resident lint server warms up); a broken config is reported by lint(). */
  prepare(): Promise<void>;
  /**
   * Whether any of these repo-relative files is linted with type information
   * (parserOptions.project or projectService): its verdict then depends on other files too.
   */
  typeAware(paths: string[]): Promise<boolean>;
}

/** The repo's own config on disk: flat, else eslintrc. */
export function findEslintConfig(repoDir: string): Promise<EslintConfigFile | undefined> {
  // Only package.json's content matters; the others need only exist.
  return pickEslintConfig(async (name) => (name === 'package.json' ? readFile(join(repoDir, name)).catch(() => undefined) : existsSync(join(repoDir, name)) ? '' : undefined));
}

/** What the flat `ESLint` and the `LegacyESLint` classes have in common, as this adapter uses them. */
interface EslintEngine {
  calculateConfigForFile(filePath: string): Promise<unknown>;
  isPathIgnored(filePath: string): Promise<boolean>;
  lintFiles(patterns: string[]): Promise<ESLintClass.LintResult[]>;
  lintText(code: string, options: { filePath: string; warnIgnored: boolean }): Promise<ESLintClass.LintResult[]>;
  getRulesMetaForResults(results: ESLintClass.LintResult[]): ESLintClass.LintResultData['rulesMeta'];
}

export async function createCodeLinter(opts: CodeLinterOptions): Promise<CodeLinter> {
  const repoDir = resolve(opts.repoDir);
  const config = await findEslintConfig(repoDir);
  // Imported lazily so that commands which never lint do not pay for loading ESLint.
  const {
    mod: { ESLint, loadESLint },
    runtime,
  } = await loadEslint(repoDir, config !== undefined);
  // No result cache: ESLint keys an entry by the linted file alone, but rules that read other
  // files (import/namespace, import/no-unresolved, typed rules) change their verdict when only
  // those change, so a cached pass could let a broken commit through (issue 13).
  const shared = { cwd: repoDir, cache: false, errorOnUnmatchedPattern: false } as const;
  let eslint: EslintEngine;
  if (config?.kind === 'eslintrc') {
    // ESLint 9 runs eslintrc only through LegacyESLint. `useEslintrc` keeps eslintrc's cascade
    // (nested .eslintrc files, `root: true`), as `ESLINT_USE_FLAT_CONFIG=false npx eslint` would.
    const LegacyESLint = await loadESLint({ useFlatConfig: false });
    eslint = new LegacyESLint({ ...shared, useEslintrc: true });
  } else if (config) {
    // Naming the repo's file explicitly stops ESLint from walking above the repo for another one.
    eslint = new ESLint({ ...shared, warnIgnored: false, overrideConfigFile: join(repoDir, config.file) });
  } else {
    eslint = new ESLint({ ...shared, warnIgnored: false, overrideConfigFile: true, overrideConfig: await defaultEslintConfig({ repoDir, typed: opts.typed === true }) });
  }
  const shownConfig = config?.file ?? 'shardship default ESLint config';

  return {
    eslint: runtime,
    configFile: config?.file,
    configKind: config?.kind,
    async prepare() {
      await eslint.calculateConfigForFile(join(repoDir, 'shardship-warm-up.ts')).catch(() => undefined);
    },
    async typeAware(paths) {
      for (const path of paths) {
        try {
          const computed = (await eslint.calculateConfigForFile(join(repoDir, path))) as ComputedConfig | undefined;
          const parserOptions = computed?.languageOptions?.parserOptions ?? computed?.parserOptions;
          if (parserOptions?.project || parserOptions?.projectService) return true;
        } catch (e) {
          throw await translateEslintError(e, repoDir, shownConfig);
        }
      }
      return false;
    },
    async lint(all) {
      if (all.length === 0) return [];
      let results: ESLintClass.LintResult[];
      try {
        // Loads and validates the config first, so a broken one is reported as such.
        await eslint.calculateConfigForFile(join(repoDir, all[0]!.path));
        const targets = config?.kind === 'eslintrc' ? await eslintrcTargets(eslint, repoDir, all) : all;
        const onDisk = targets.filter((t) => t.text === undefined).map((t) => join(repoDir, t.path));
        results = onDisk.length > 0 ? await eslint.lintFiles(onDisk) : [];
        for (const t of targets) {
          if (t.text !== undefined) results.push(...(await eslint.lintText(t.text, { filePath: join(repoDir, t.path), warnIgnored: false })));
        }
      } catch (e) {
        throw await translateEslintError(e, repoDir, shownConfig);
      }
      const meta = eslint.getRulesMetaForResults(results);
      const textPaths = new Set(all.filter((t) => t.text !== undefined).map((t) => t.path));
      return results.map((r) => {
        const path = toRepoPath(repoDir, r.filePath);
        return {
          path,
          source: textPaths.has(path) ? 'text' : 'files',
          messages: r.messages.map((m) => toLintMessage(m, meta)),
        };
      });
    },
  };
}

/** What calculateConfigForFile returns, as far as typeAware() reads it: flat (languageOptions) or eslintrc. */
interface ComputedConfig {
  languageOptions?: { parserOptions?: TypeInfoOptions };
  parserOptions?: TypeInfoOptions;
}
interface TypeInfoOptions {
  project?: unknown;
  projectService?: unknown;
}

const TS_FILE = /\.(ts|tsx|mts|cts)$/;

/**
 * What an eslintrc config lints of the given files. LegacyESLint has no `warnIgnored` for
 * lintFiles, so ignored files (.eslintignore, ignorePatterns) are left out here. And `eslint .`
 * with eslintrc lints TypeScript only when the config gives it a parser (overrides or `--ext`
 * with one); a .ts file the config leaves to espree is not its target, not a parse error.
 */
async function eslintrcTargets(eslint: EslintEngine, repoDir: string, all: LintTarget[]): Promise<LintTarget[]> {
  const kept: LintTarget[] = [];
  for (const t of all) {
    const abs = join(repoDir, t.path);
    if (await eslint.isPathIgnored(abs)) continue;
    if (TS_FILE.test(t.path) && !((await eslint.calculateConfigForFile(abs)) as { parser?: unknown }).parser) continue;
    kept.push(t);
  }
  return kept;
}

function toLintMessage(m: Linter.LintMessage, meta: Record<string, { docs?: { url?: string } } | undefined>): LintMessage {
  const docsUrl = m.ruleId ? meta[m.ruleId]?.docs?.url : undefined;
  return {
    ruleId: m.ruleId,
    severity: m.severity === 2 ? 2 : 1,
    message: m.message,
    line: m.line || 1,
    column: m.column || 1,
    ...(m.endLine === undefined ? {} : { endLine: m.endLine }),
    fatal: m.fatal === true,
    ...(docsUrl ? { docsUrl } : {}),
  };
}

function toRepoPath(repoDir: string, filePath: string): string {
  const rel = isAbsolute(filePath) ? relative(repoDir, filePath) : filePath;
  return rel.split(sep).join('/');
}

/** Packages a config could not load: flat config imports, eslintrc plugins, parsers and shared configs. */
export function isMissingPackageError(e: unknown): boolean {
  const err = e as { message?: unknown; messageTemplate?: unknown } | undefined;
  return (
    (typeof err?.messageTemplate === 'string' && ['plugin-missing', 'extend-config-missing'].includes(err.messageTemplate)) ||
    (typeof err?.message === 'string' && /Cannot find (package|module)/.test(err.message))
  );
}

/** Any error ESLint throws while loading the config or linting with it is the user's config to fix (exit 2). */
export async function translateEslintError(e: unknown, repoDir: string, configFile: string): Promise<ConfigError> {
  const err = e instanceof Error ? e : new Error(String(e));
  // Node's "Require stack:" list (eslintrc plugins and parsers) is noise next to our hint.
  const ownLines = err.message.split(/\n\s*Require stack:/)[0]!;
  const firstLines = ownLines.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).slice(0, 3).join(' ');
  const missing = isMissingPackageError(e);
  const problem: ConfigProblem = {
    path: '',
    message: `ESLint could not use ${configFile}: ${firstLines}`,
    hint: missing ? 'install the packages your ESLint config imports (npm ci)' : "run `npx eslint --print-config <file>` in the repo for ESLint's own report",
  };
  if (configFile.startsWith('eslint.config.')) problem.position = await positionIn(err, repoDir, configFile);
  else if (ESLINTRC_FILES.includes(configFile)) problem.position = await eslintrcPosition(e, repoDir, configFile);
  return new ConfigError([problem], { cause: e });
}

/** In an eslintrc file: the line naming the package that failed to load, else line 1. */
async function eslintrcPosition(e: unknown, repoDir: string, configFile: string): Promise<ConfigProblem['position']> {
  const data = (e as { messageData?: { pluginName?: unknown; configName?: unknown } }).messageData;
  const quoted = /(?:plugin|parser|config) ['"]([^'"]+)['"]/.exec(e instanceof Error ? e.message : '')?.[1];
  const names = [data?.pluginName, data?.configName, quoted].filter((n): n is string => typeof n === 'string' && n.length > 0);
  const text = await readFile(join(repoDir, configFile), 'utf8').catch(() => '');
  const lines = text.split('\n');
  for (const name of names) {
    const short = name.replace(/^eslint-plugin-/, '').replace(/^eslint-config-/, '');
    const index = lines.findIndex((l) => l.includes(name) || l.includes(`"${short}"`) || l.includes(`'${short}'`));
    if (index >= 0) return { file: configFile, line: index + 1, column: Math.max(1, lines[index]!.indexOf(lines[index]!.includes(name) ? name : short) + 1) };
  }
  return { file: configFile, line: 1, column: 1 };
}

/** Where in the config file the error points: from the stack, or for a syntax error from `node --check`. */
async function positionIn(err: Error, repoDir: string, configFile: string): Promise<ConfigProblem['position']> {
  const abs = join(repoDir, configFile);
  const escaped = abs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // ESLint imports the config with a cache-busting query (`eslint.config.mjs?mtime=...`).
  const at = new RegExp(`${escaped}(?:\\?[^:\\s]*)?:(\\d+)(?::(\\d+))?`);
  let m = at.exec(`${err.message}\n${err.stack ?? ''}`);
  if (!m && err.name === 'SyntaxError' && /\.[cm]?js$/.test(configFile)) {
    // Node does not put a syntax error's location in the stack of a failed import.
    const stderr = await new Promise<string>((done) => {
      execFile(process.execPath, ['--check', abs], { timeout: 10_000 }, (_error, _out, errText) => done(String(errText)));
    });
    m = at.exec(stderr);
  }
  return { file: configFile, line: m ? Number(m[1]) : 1, column: m?.[2] ? Number(m[2]) : 1 };
}
