import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { configJsonSchema } from '../../../pipeline/config/schema.js';

function problems(text: string) {
  try {
    parseConfig('shardship.yaml', text);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('shardship.yaml validation', () => {
  it('accepts a minimal file and fills defaults', () => {
    const cfg = parseConfig('shardship.yaml', 'version: 1\n');
    expect(cfg.gate.commit.merges).toBe('skip');
    expect(cfg.gate.diff.maxFileBytes).toBe(1_000_000);
  });

  it('names file:line:column, the dotted path and a did-you-mean hint for an unknown key', () => {
    const ps = problems('version: 1\ngate:\n  comit:\n    merges: skip\n');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({
      path: 'gate.comit',
      message: 'unknown key "comit"',
      hint: 'did you mean "commit"?',
      position: { file: 'shardship.yaml', line: 3, column: 3 },
    });
  });

  it('reports every problem, not only the first', () => {
    const ps = problems('version: 2\ngate:\n  commit:\n    merges: sometimes\n  diff:\n    maxFileBytes: -1\n');
    expect(ps.map((p) => p.path).sort()).toEqual(['gate.commit.merges', 'gate.diff.maxFileBytes', 'version']);
    const merges = ps.find((p) => p.path === 'gate.commit.merges')!;
    expect(merges.position).toEqual({ file: 'shardship.yaml', line: 4, column: 13 });
    expect(merges.hint).toBe('use one of: allow, skip, reject');
  });

  it('refuses a secret written where an env var name belongs', () => {
    const ps = problems(
      [
        'version: 1',
        'migrate:',
        '  environments:',
        '    prod:',
        '      nodes:',
        '        n1: { dsnEnv: "mysql://root:hunter2@db:3306" }',
        '      databases: {}',
        '      tables: {}',
      ].join('\n'),
    );
    expect(ps[0]!.path).toBe('migrate.environments.prod.nodes.n1.dsnEnv');
    expect(ps[0]!.message).toMatch(/NAME of an environment variable/);
    expect(ps[0]!.position?.line).toBe(6);
  });

  it('reports YAML syntax errors with their position', () => {
    const ps = problems('version: 1\ngate: [\n');
    expect(ps[0]!.position?.file).toBe('shardship.yaml');
    expect(ps[0]!.position?.line).toBeGreaterThanOrEqual(2);
  });

  it('publishes a JSON Schema that matches the committed copy', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../schema/shardship.schema.json', import.meta.url), 'utf8'));
    expect(configJsonSchema()).toEqual(committed);
  });
});
