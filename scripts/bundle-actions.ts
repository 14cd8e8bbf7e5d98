// Bundles each actions/<step>/index.ts into actions/<step>/dist/index.js (committed, as
// GitHub runs it). `--check` fails when a committed bundle differs from a fresh build.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inlineChangelogTemplates } from './esbuild-plugins.mjs';

const root = new URL('..', import.meta.url).pathname;

// @commitlint/config-validator reads its JSON schema through createRequire at run time; a
// bundle has no node_modules beside it, so import the schema statically instead.
const inlineCommitlintSchema = {
  name: 'inline-commitlint-schema',
  setup(b: { onLoad(o: { filter: RegExp }, cb: (args: { path: string }) => Promise<{ contents: string; loader: 'js'; resolveDir: string }>): void }) {
    b.onLoad({ filter: /@commitlint[\\/]config-validator[\\/]lib[\\/]validate\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      return {
        contents: src.replace(
          /const require = createRequire\(import\.meta\.url\);\s*const schema = require\("\.\/commitlint\.schema\.json"\);/,
          'import schema from "./commitlint.schema.json";',
        ),
        loader: 'js',
        resolveDir: args.path.replace(/[\\/][^\\/]+$/, ''),
      };
    });
  },
};
const check = process.argv.includes('--check');
const steps = existsSync(join(root, 'actions'))
  ? readdirSync(join(root, 'actions')).filter((d) => existsSync(join(root, 'actions', d, 'index.ts')))
  : [];
let stale = 0;
for (const step of steps) {
  const result = await build({
    entryPoints: [join(root, 'actions', step, 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    legalComments: 'none',
    minify: true,
    banner: {
      js: [
        "import { createRequire as __cr } from 'node:module';",
        "import { fileURLToPath as __fu } from 'node:url';",
        "import { dirname as __dn } from 'node:path';",
        'const require = __cr(import.meta.url);',
        'const __filename = __fu(import.meta.url);',
        'const __dirname = __dn(__filename);',
      ].join(' '),
    },
    // ssh2 (under dockerode) wraps its optional native addons in try/catch: leave them out.
    external: ['*.node'],
    plugins: [inlineCommitlintSchema, inlineChangelogTemplates],
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]!.text;
  const out = join(root, 'actions', step, 'dist', 'index.js');
  if (check) {
    if (!existsSync(out) || readFileSync(out, 'utf8') !== code) {
      console.error(`actions/${step}/dist/index.js is stale: run npm run bundle and commit it`);
      stale++;
    }
  } else {
    mkdirSync(join(root, 'actions', step, 'dist'), { recursive: true });
    writeFileSync(out, code);
    console.log(`bundled actions/${step}/dist/index.js (${(code.length / 1024).toFixed(0)} KiB)`);
  }
}
if (check) console.log(stale ? `${stale} stale bundle(s)` : `${steps.length} action bundle(s) match their sources`);
process.exitCode = stale ? 1 : 0;
