#!/usr/bin/env node
// Runs the CLI bundle in dist/cli (built by `npm ci`, see scripts/build-cli.mjs): starting
// from TypeScript through tsx costs seconds per run, which every git hook would pay. In a
// checkout whose sources are newer than the bundle, rebuild it first (about a second), or run
// the sources through tsx when esbuild is not installed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bundle = join(root, 'dist', 'cli', 'main.js');

function newestSource() {
  let newest = 0;
  for (const dir of ['pipeline', 'rules']) {
    const top = join(root, dir);
    if (!existsSync(top)) continue;
    for (const name of readdirSync(top, { recursive: true })) {
      if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(top, name)).mtimeMs);
    }
  }
  return newest;
}

async function entry() {
  if (process.env.SHARDSHIP_FROM_SOURCE !== '1') {
    const fresh = existsSync(bundle) && (!existsSync(join(root, 'pipeline')) || statSync(bundle).mtimeMs >= newestSource());
    if (fresh) return pathToFileURL(bundle).href;
    try {
      const { buildCli } = await import('../scripts/build-cli.mjs');
      return pathToFileURL(await buildCli()).href;
    } catch (e) {
      if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return pathToFileURL(join(root, 'pipeline', 'cli', 'main.ts')).href;
}

// Stack traces (--debug) point at the TypeScript sources through the bundle's source maps.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import(await entry());
process.exitCode = await main(process.argv.slice(2));
