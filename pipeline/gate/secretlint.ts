// secretlint as a library: the repository's .secretlintrc* when it has one (its rule packages
// resolved from shardship's own node_modules), else @secretlint/secretlint-rule-preset-recommend.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { lintSource } from '@secretlint/core';
import { ConfigError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';

type CoreConfig = Parameters<typeof lintSource>[0]['options']['config'];

export interface SecretHit {
  ruleId: string;
  messageId: string;
  /** 1-based line in the scanned text. */
  line: number;
  column: number;
  /** The matched text: never printed, only masked. */
  match: string;
}

const cache = new Map<string, Promise<CoreConfig>>();

function hasOwnConfig(repoDir: string): boolean {
  try {
    return readdirSync(repoDir).some((f) => /^\.secretlintrc(\.(json|ya?ml|js|cjs|mjs))?$/.test(f));
  } catch {
    return false;
  }
}

async function configFor(repoDir: string): Promise<CoreConfig> {
  // Imported on use: the preset is large and message-only runs never need it.
  if (!hasOwnConfig(repoDir)) {
    const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
    return { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  }
  try {
    const { loadConfig } = await import('@secretlint/config-loader');
    const nodeModules = join(packageRoot(), 'node_modules');
    const res = await loadConfig({ cwd: repoDir, ...(existsSync(nodeModules) ? { node_moduleDir: nodeModules } : {}) });
    return res.config;
  } catch (e) {
    throw new ConfigError([{ path: '', message: `cannot load the repository's .secretlintrc: ${(e as Error).message.split('\n')[0] ?? ''}`, hint: 'fix the file, or name rules that are installed (e.g. @secretlint/secretlint-rule-preset-recommend)' }], { cause: e });
  }
}

export function secretlintConfig(repoDir: string): Promise<CoreConfig> {
  let p = cache.get(repoDir);
  if (!p) {
    p = configFor(repoDir);
    cache.set(repoDir, p);
    p.catch(() => cache.delete(repoDir));
  }
  return p;
}

let profilerOff: Promise<void> | undefined;

/**
 * secretlint's profiler marks every rule of every file on the process-wide performance timeline
 * and, on each mark, searches every earlier one (10,000 files took minutes); it also rejects
 * unhandled, killing the process, on a file name holding a newline (its end-mark pattern stops
 * at the line break). The gate never reads its measures: its marks become no-ops.
 */
function disableProfiler(): Promise<void> {
  profilerOff ??= import('@secretlint/profiler').then(({ secretLintProfiler }) => {
    secretLintProfiler.mark = () => undefined;
  });
  return profilerOff;
}

/** Scan text as if it were the file `path`; returns hits with the matched text (mask before printing). */
export async function scanText(config: CoreConfig, path: string, content: string): Promise<SecretHit[]> {
  const ext = path.includes('.') ? path.slice(path.lastIndexOf('.')) : '';
  const [{ lintSource }] = await Promise.all([import('@secretlint/core'), disableProfiler()]);
  const result = await lintSource({ source: { content, filePath: path, ext, contentType: 'text' }, options: { config, maskSecrets: true, locale: 'en' } });
  return result.messages
    .filter((m) => m.type === 'message')
    .map((m) => ({
      ruleId: m.ruleParentId ? `${m.ruleId}` : m.ruleId,
      messageId: m.messageId,
      line: m.loc.start.line,
      column: m.loc.start.column + 1,
      match: content.slice(m.range[0], m.range[1]),
    }));
}
