import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
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

describe('hostile shardship.yaml', () => {
  const bomb = [
    'version: 1',
    'environments:',
    '  a: &a { branch: x }',
    '  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    '  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    '  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    '  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    '',
  ].join('\n');

  it('an alias bomb is a config error naming file:line, not an internal error', () => {
    const ps = problems(bomb);
    expect(ps).toHaveLength(1);
    expect(ps[0]!.message).toMatch(/aliases .* expand to more than 100/);
    expect(ps[0]!.position).toEqual({ file: 'shardship.yaml', line: 4, column: 10 });
  });

  it('config validate on an alias bomb exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alias-bomb-'));
    try {
      writeFileSync(join(dir, 'shardship.yaml'), bomb);
      const output = memoryOutput();
      const code = await main(['config', 'validate'], { cwd: dir, env: {}, output });
      const err = output.stderr.join('\n');
      expect(code, err).toBe(2);
      expect(err).toContain('shardship.yaml:4:10');
      expect(err).not.toContain('internal error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['migrate:\n  lockRetries: 1e400\n', 'migrate.lockRetries', 'from 0 to 100'],
    ['migrate:\n  lockRetries: 1.5\n', 'migrate.lockRetries', 'from 0 to 100'],
    ['migrate:\n  concurrency: 0\n', 'migrate.concurrency', 'from 1 to 256'],
    ['migrate:\n  lockWaitTimeout: .inf\n', 'migrate.lockWaitTimeout', '168h'],
    ['migrate:\n  lockWaitTimeout: 9999h\n', 'migrate.lockWaitTimeout', '168h'],
    // Found by the fuzzer: a string that is not a duration crashed the range check.
    ['timeouts:\n  kubernetes: "-VI@;#}"\n', 'timeouts.kubernetes', 'write a duration like'],
    ['gate:\n  diff:\n    maxFileBytes: -1\n', 'gate.diff.maxFileBytes', 'from 1 to 1000000000'],
    ['release:\n  apps:\n    web:\n      port: 70000\n', 'release.apps.web.port', 'from 1 to 65535'],
    ['release:\n  apps:\n    web:\n      replicas: .nan\n', 'release.apps.web.replicas', 'from 1 to 1000'],
  ])('a number out of range says the allowed range: %s', (yaml, path, range) => {
    const ps = problems(`version: 1\n${yaml}`);
    const p = ps.find((x) => x.path === path);
    expect(p, JSON.stringify(ps)).toBeDefined();
    expect(`${p!.message} ${p!.hint ?? ''}`).toContain(range);
    expect(p!.message).not.toContain('received number');
  });
});
