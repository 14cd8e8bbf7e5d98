// Bundles the CLI (pipeline/cli/main.ts and everything it imports, one chunk per lazily
// loaded command) into dist/cli/, so `shardship` starts without transpiling TypeScript.
// npm packages stay external (they load from node_modules as they would from the sources),
// except commitlint's lint and parse and the angular preset they rebuild for every message:
// bundled, with the preset's templates inlined instead of read from disk for each message.
// Run by `npm ci` (prepare) and by bin/shardship.js itself when the sources are newer.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalPackagesExcept, inlineChangelogTemplates } from './esbuild-plugins.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const CLI_DIR = join(root, 'dist', 'cli');

export async function buildCli() {
  const started = new Date();
  const result = await build({
    entryPoints: { main: join(root, 'pipeline', 'cli', 'main.ts') },
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    plugins: [externalPackagesExcept(/^(@commitlint\/(lint|parse)|conventional-changelog-angular)(\/|$)/), inlineChangelogTemplates],
    // The bundled preset is CommonJS: its require() of externals needs a real require.
    banner: { js: "import { createRequire as __shardshipRequire } from 'node:module'; const require = __shardshipRequire(import.meta.url);" },
    outdir: CLI_DIR,
    write: false,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  mkdirSync(CLI_DIR, { recursive: true });
  // Chunk names are content hashes, so a concurrent build writes the same bytes; each file
  // lands by rename, and main.js (which names the chunks) lands last.
  const entry = result.outputFiles.find((f) => basename(f.path) === 'main.js');
  const ordered = [...result.outputFiles.filter((f) => f !== entry), entry];
  for (const f of ordered) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  // The stamp is the start of the build: a source saved during it still counts as newer.
  utimesSync(entry.path, started, started);
  const keep = new Set(result.outputFiles.map((f) => basename(f.path)));
  for (const name of readdirSync(CLI_DIR)) {
    const file = join(CLI_DIR, name);
    // Chunks of an older build may still be in use by a CLI that started before this one.
    if (!keep.has(name) && Date.now() - statSync(file).mtimeMs > 60_000) rmSync(file, { force: true });
  }
  return entry.path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const main = await buildCli();
  console.log(`built ${main.slice(root.length + 1)}`);
}
