// The gate's built-in commitlint default (imported statically so bundled actions need no
// node_modules) must equal what @commitlint/load builds from config-conventional by name.
import { describe, expect, it } from 'vitest';
import load from '@commitlint/load';
import { createRequire } from 'node:module';
import { conventionalDefault } from '../../../pipeline/gate/commitlint.js';

describe('conventionalDefault', () => {
  it('has the rules and parser options load() resolves for @commitlint/config-conventional', async () => {
    const require = createRequire(import.meta.url);
    const loaded = await load({ extends: [require.resolve('@commitlint/config-conventional')] });
    const ours = conventionalDefault();
    expect(ours.rules).toEqual(loaded.rules);
    // Compare as data: the parser options hold regular expressions and plain values only.
    const asData = (o: unknown) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (v instanceof RegExp ? v.toString() : v))) as unknown;
    expect(asData(ours.opts.parserOpts)).toEqual(asData(loaded.parserPreset?.parserOpts));
    expect(ours.opts.parserOpts?.headerPattern).toBeInstanceOf(RegExp);
  });
});
