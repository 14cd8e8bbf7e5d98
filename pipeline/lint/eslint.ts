// The ESLint adapter: the only module that imports `eslint`. It lints given files in-process
// with the repo's own flat config (or shardship's default), the ESLint cache on, and
// translates ESLint's errors once: a config that fails to load or validate -> ConfigError
// naming the config file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ESLint as ESLintClass, Linter } from 'eslint';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { defaultEslintConfig } from './default-config.js';

/** Flat config file names ESLint 9 looks for, in its own order of preference. */
export const ESLINT_CONFIG_FILES = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'];

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
  /** 'files': linted from the working tree (eligible for the ESLint cache); 'text': linted from given content. */
  source: 'files' | 'text';
}

export interface CodeLinterOptions {
  repoDir: string;
  /** Use typed rules in the default config (ignored when the repo has its own config). */
  typed?: boolean;
  /** Where the ESLint cache lives; default: node_modules/.cache/shardship/eslintcache or a temp file keyed by repo. */
  cacheLocation?: string;
}

export interface CodeLinter {
  /** Repo-relative config file in use, or undefined for shardship's default config. */
  readonly configFile: string | undefined;
  readonly cacheLocation: string;
  lint(targets: LintTarget[]): Promise<LintFileReport[]>;
}

/** The repo's own flat config file (repo-relative), if it has one at its root. */
export function findEslintConfigFile(repoDir: string): string | undefined {
  return ESLINT_CONFIG_FILES.find((name) => existsSync(join(repoDir, name)));
}

/** A cache under the repo's node_modules when it has one (ignored by git, kept by CI caches), else in the temp dir. */
export async function defaultCacheLocation(repoDir: string): Promise<string> {
  const nodeModules = join(repoDir, 'node_modules');
  if (existsSync(nodeModules)) return join(nodeModules, '.cache', 'shardship', 'eslintcache');
  const key = createHash('sha1').update(await realpath(repoDir)).digest('hex').slice(0, 16);
  return join(tmpdir(), 'shardship-eslintcache', key);
}

export async function createCodeLinter(opts: CodeLinterOptions): Promise<CodeLinter> {
  const repoDir = resolve(opts.repoDir);
  const configFile = findEslintConfigFile(repoDir);
  const cacheLocation = opts.cacheLocation ?? (await defaultCacheLocation(repoDir));
  await mkdir(resolve(cacheLocation, '..'), { recursive: true });
  // Imported lazily so that commands which never lint do not pay for loading ESLint.
  const { ESLint } = await import('eslint');
  const shared: ESLintClass.Options = {
    cwd: repoDir,
    cache: true,
    cacheLocation,
    cacheStrategy: 'content',
    warnIgnored: false,
    errorOnUnmatchedPattern: false,
  };
  // Naming the repo's file explicitly stops ESLint from walking above the repo for another one.
  const eslint = configFile
    ? new ESLint({ ...shared, overrideConfigFile: join(repoDir, configFile) })
    : new ESLint({ ...shared, overrideConfigFile: true, overrideConfig: await defaultEslintConfig({ repoDir, typed: opts.typed === true }) });
  const shownConfig = configFile ?? 'shardship default ESLint config';

  return {
    configFile,
    cacheLocation,
    async lint(targets) {
      if (targets.length === 0) return [];
      const onDisk = targets.filter((t) => t.text === undefined).map((t) => join(repoDir, t.path));
      const inText = targets.filter((t): t is Required<LintTarget> => t.text !== undefined);
      let results: ESLintClass.LintResult[];
      try {
        // Loads and validates the config first, so a broken one is reported as such.
        await eslint.calculateConfigForFile(join(repoDir, targets[0]!.path));
        results = onDisk.length > 0 ? await eslint.lintFiles(onDisk) : [];
        for (const t of inText) results.push(...(await eslint.lintText(t.text, { filePath: join(repoDir, t.path), warnIgnored: false })));
      } catch (e) {
        throw await translateEslintError(e, repoDir, shownConfig);
      }
      const meta = eslint.getRulesMetaForResults(results);
      const textPaths = new Set(inText.map((t) => t.path));
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

/** Any error ESLint throws while loading the config or linting with it is the user's config to fix (exit 2). */
export async function translateEslintError(e: unknown, repoDir: string, configFile: string): Promise<ConfigError> {
  const err = e instanceof Error ? e : new Error(String(e));
  const firstLines = err.message.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).slice(0, 3).join(' ');
  const problem: ConfigProblem = {
    path: '',
    message: `ESLint could not use ${configFile}: ${firstLines}`,
    hint: /Cannot find (package|module)/.test(err.message)
      ? 'install the packages your ESLint config imports (npm ci)'
      : "run `npx eslint --print-config <file>` in the repo for ESLint's own report",
  };
  if (configFile.startsWith('eslint.config.')) problem.position = await positionIn(err, repoDir, configFile);
  return new ConfigError([problem], { cause: e });
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
