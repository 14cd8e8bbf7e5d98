// Bundles each actions/<step>/index.ts into actions/<step>/dist/index.js (committed, as
// GitHub runs it). `--check` fails when a committed bundle differs from a fresh build.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
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
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
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
