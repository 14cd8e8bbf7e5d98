// esbuild plugins shared by the CLI bundle (scripts/build-cli.mjs) and the action bundles
// (scripts/bundle-actions.ts).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * @commitlint/parse builds conventional-changelog-angular's whole preset for every message,
 * and the preset's writer reads its Handlebars templates from beside its own file
 * (`resolve(__dirname, './templates/x.hbs')`) each time: four file reads per message, and in
 * an action bundle they are not there at all. Inline each template's text instead.
 * @type {import('esbuild').Plugin}
 */
export const inlineChangelogTemplates = {
  name: 'inline-changelog-templates',
  setup(b) {
    b.onLoad({ filter: /conventional-changelog-[a-z]+[\\/]writerOpts\.js$/ }, async (args) => {
      const dir = args.path.replace(/[\\/][^\\/]+$/, '');
      const src = await readFile(args.path, 'utf8');
      let inlined = 0;
      const contents = src.replace(/readFile\(resolve\(__dirname, '\.\/templates\/([a-z-]+\.hbs)'\), 'utf-8'\)/g, (_, name) => {
        inlined++;
        return `Promise.resolve(${JSON.stringify(readFileSync(join(dir, 'templates', name), 'utf8'))})`;
      });
      // A new release reading its templates differently must fail the build, not the run.
      if (inlined === 0) throw new Error(`${args.path}: no template read to inline (did the package change?)`);
      return { contents, loader: 'js' };
    });
  },
};

/**
 * Every npm package external (loaded from node_modules at run time), except those whose
 * names match `bundled`.
 * @param {RegExp} bundled
 * @returns {import('esbuild').Plugin}
 */
export function externalPackagesExcept(bundled) {
  return {
    name: 'external-packages-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.test(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}
