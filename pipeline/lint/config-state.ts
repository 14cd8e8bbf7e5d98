// What a loaded ESLint config depends on in the repo, as one comparable string: the lint server,
// which loaded the config when it started, checks it before trusting what it loaded.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configSources } from './committed-config.js';
import { ESLINT_CONFIG_FILES, ESLINTRC_FILES, findEslintConfig } from './eslint.js';

/** Files whose change means the loaded config or plugins may no longer be what a fresh run loads. */
const DEPENDENCY_FILES = [
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'node_modules/.package-lock.json',
  'node_modules/.modules.yaml',
  'node_modules/.yarn-state.yml',
  '.eslintignore',
  'tsconfig.json',
];

/** Every file whose (mtime, size) the server's answers depend on: the config's sources, lockfiles, config names. */
async function watchedFiles(repoDir: string): Promise<string[]> {
  const config = await findEslintConfig(repoDir);
  const sources = config ? await configSources(config.file, (p) => readFile(join(repoDir, p)).catch(() => undefined)) : [];
  return [...new Set([...ESLINT_CONFIG_FILES, ...ESLINTRC_FILES, ...DEPENDENCY_FILES, ...sources.map((s) => s.path)])];
}

/** One string that changes when any watched file is created, deleted, touched or resized. */
async function fingerprintOf(repoDir: string, files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      const st = await stat(join(repoDir, f)).catch(() => undefined);
      return st ? `${f}:${st.mtimeMs}:${st.size}` : `${f}:-`;
    }),
  );
  return parts.join('\n');
}

export interface ConfigState {
  files: string[];
  fingerprint: string;
}

/** The repo's config state now, to compare with later. */
export async function configState(repoDir: string): Promise<ConfigState> {
  const files = await watchedFiles(repoDir);
  return { files, fingerprint: await fingerprintOf(repoDir, files) };
}

/** Whether nothing a config loaded at `state` depends on has changed since. */
export async function unchangedSince(repoDir: string, state: ConfigState): Promise<boolean> {
  return (await fingerprintOf(repoDir, state.files)) === state.fingerprint;
}
