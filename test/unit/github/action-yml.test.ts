// Each action's metadata matches its entry: it runs the bundle on node24, and every input the
// entry (or the shared harness) reads is declared, so a runner passes it as INPUT_*.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../..', import.meta.url).pathname;
const steps = readdirSync(join(root, 'actions')).filter((d) => existsSync(join(root, 'actions', d, 'action.yml')));
const HARNESS_INPUTS = ['token', 'config', 'working-directory'];

describe('actions/*/action.yml', () => {
  it('has the six steps', () => {
    expect(steps.sort()).toEqual(['build', 'gate', 'migrate', 'pipeline', 'promote', 'release']);
  });

  it.each(steps)('%s declares what its entry reads and runs dist/index.js on node24', (step) => {
    const meta = parse(readFileSync(join(root, 'actions', step, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string }>;
      outputs: Record<string, { description: string }>;
      runs: { using: string; main: string };
    };
    expect(meta.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    const source = readFileSync(join(root, 'actions', step, 'index.ts'), 'utf8');
    const read = [...source.matchAll(/input\('([a-z-]+)'/g)].map((m) => m[1]!);
    for (const name of [...HARNESS_INPUTS, ...read]) expect(meta.inputs[name]?.description, `${step}: input ${name}`).toBeTruthy();
    for (const [name, o] of Object.entries(meta.outputs)) expect(o.description, `${step}: output ${name}`).toBeTruthy();
    expect(Object.keys(meta.outputs)).toContain('exit-code');
  });
});
