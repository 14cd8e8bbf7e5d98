import { readFile } from 'node:fs/promises';
import { resolve, relative } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { ShardshipConfig } from './schema.js';
import { parseYamlSource, validateYaml, type YamlSource } from './yaml-source.js';

export const DEFAULT_CONFIG_FILE = 'shardship.yaml';

export interface LoadedConfig {
  file: string;
  config: ShardshipConfig;
  /** The parsed document, for file:line positions in later checks (absent when defaulted). */
  source?: YamlSource;
}

/** Read and validate shardship.yaml; a missing file yields the defaults when `optional`. */
export async function loadConfig(cwd: string, file = DEFAULT_CONFIG_FILE, opts: { optional?: boolean } = {}): Promise<LoadedConfig> {
  const abs = resolve(cwd, file);
  const shown = relative(cwd, abs) || file;
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && opts.optional) {
      return { file: shown, config: ShardshipConfig.parse({ version: 1 }) };
    }
    throw new ConfigError([{ path: '', message: `cannot read ${shown}: ${(e as Error).message}`, hint: 'create it, or pass --config FILE' }], { cause: e });
  }
  const source = parseYamlSource(shown, text);
  return { file: shown, config: validateYaml(source, ShardshipConfig), source };
}

export function parseConfig(file: string, text: string): ShardshipConfig {
  return validateYaml(parseYamlSource(file, text), ShardshipConfig);
}
