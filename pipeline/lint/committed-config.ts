// An ESLint config that exists only in commits (a bare server repository, a range whose head is
// not checked out): written with the modules it imports by relative path into a throwaway folder
// whose node_modules is shardship's own, so that it can run with the packages shardship has.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import type { EslintConfigFile } from './eslint.js';

/** Module specifiers in static `import … from`, `export … from`, `import('…')` and `require('…')` forms. */
export function moduleSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\b(?:import|require)\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.add(m[2]!);
  return [...found];
}

const BUILTINS = new Set(builtinModules);

/** The npm package a bare specifier names (`@scope/pkg/sub` -> `@scope/pkg`); undefined for paths and Node built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || /^[a-z]+:/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

/** The node_modules folder shardship resolves its own packages from (eslint's, wherever npm put it); none in a bundle. */
export function shardshipNodeModules(): string | undefined {
  try {
    return dirname(dirname(createRequire(import.meta.url).resolve('eslint/package.json')));
  } catch {
    return undefined;
  }
}

/** Whether shardship itself can load a package (what a config run here gets). */
export function shardshipHas(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export interface MaterialisedConfig {
  /** The throwaway folder: the config at its repo-relative path, plus package.json and relative imports. */
  dir: string;
  /** Repo-relative files written. */
  files: string[];
  /** Packages the config imports that shardship does not have, sorted. */
  missing: string[];
  remove(): Promise<void>;
}

/**
 * Write `config` as it is in the commits, every module it imports by relative path (followed
 * transitively), and the root package.json (its `type` decides how Node loads a `.js` config)
 * into a temp folder linked to shardship's node_modules. `read` gives a repo-relative file's
 * content at head. Nothing here runs the config.
 */
export async function materialiseConfig(config: EslintConfigFile, read: (path: string) => Promise<Buffer | undefined>): Promise<MaterialisedConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'shardship-committed-eslint-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const missing = new Set<string>();
    const sources = await configSources(config.file, read, (pkg) => {
      if (!shardshipHas(pkg)) missing.add(pkg);
    });
    for (const { path, content } of sources) {
      await mkdir(join(dir, dirname(path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const nodeModules = shardshipNodeModules();
    if (nodeModules && existsSync(nodeModules)) await symlink(nodeModules, join(dir, 'node_modules'), 'dir');
    return { dir, files: sources.map((s) => s.path), missing: [...missing].sort(), remove };
  } catch (e) {
    await remove();
    throw e;
  }
}

/**
 * The config file, the root package.json, and every module the config imports by relative
 * path (followed transitively, never outside the repo), with their contents: what running the
 * config reads from the repo. Each package it imports by name goes to `onPackage`.
 */
export async function configSources(
  configFile: string,
  read: (path: string) => Promise<Buffer | undefined>,
  onPackage: (pkg: string) => void = () => {},
): Promise<{ path: string; content: Buffer }[]> {
  const found: { path: string; content: Buffer }[] = [];
  const queue = [configFile, 'package.json'];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const content = await read(path);
    if (!content) continue;
    found.push({ path, content });
    if (!/\.[cm]?[jt]s$/.test(path)) continue;
    for (const spec of moduleSpecifiers(content.toString('utf8'))) {
      if (spec.startsWith('./') || spec.startsWith('../')) {
        const target = posix.normalize(posix.join(posix.dirname(path), spec));
        if (!target.startsWith('../')) queue.push(target);
        continue;
      }
      const pkg = packageOf(spec);
      if (pkg) onPackage(pkg);
    }
  }
  return found;
}
