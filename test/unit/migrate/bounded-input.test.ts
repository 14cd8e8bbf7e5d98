// Input that must not take the process down or leak: huge actualDataNodes expansions are
// refused arithmetically before any name is built, a DSN password with a raw % is a config
// error that never prints it, and doubled backticks in quoted identifiers are unescaped.
import { describe, expect, it, afterAll } from 'vitest';
import { main } from '../../../pipeline/cli/main.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { expandDataNodes, InlineExpressionError, MAX_EXPANSION } from '../../../pipeline/migrate/inline-expression.js';
import { analyzeStatement } from '../../../pipeline/migrate/rewrite.js';
import { parseDsn } from '../../../pipeline/mysql/pool.js';
import { removeTempProjects, SAMPLE_TOPOLOGY_YAML, tempProject } from './helpers.js';

afterAll(removeTempProjects);

async function run(cwd: string, env: Record<string, string>, ...argv: string[]) {
  const output = memoryOutput();
  const code = await main(argv, { cwd, output, env });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

describe('bounded actualDataNodes expansions', () => {
  it('refuses an expansion over the limit from its size alone, at once', () => {
    for (const expr of ['d_${0..99999}.t_${0..99999}', 'd.t_${0..99999999}', 'd_${0..999}.t_${0..999},d.x']) {
      const started = Date.now();
      expect(() => expandDataNodes(expr)).toThrow(InlineExpressionError);
      expect(() => expandDataNodes(expr)).toThrow(new RegExp(`expands to [\\d,]+ names, over the limit of ${MAX_EXPANSION.toLocaleString('en-US')}`));
      expect(Date.now() - started).toBeLessThan(500);
    }
    expect(expandDataNodes('d_${0..9}.t_${0..9999}')).toHaveLength(100_000);
  });

  it('config validate reports it with file:line and exits 2', async () => {
    const yaml = SAMPLE_TOPOLOGY_YAML.replace("'loan_${0..3}.t_order_${0..3}'", "'loan_${0..99999}.t_order_${0..99999}'");
    const cwd = await tempProject({}, yaml);
    const r = await run(cwd, {}, 'config', 'validate');
    expect(r.code).toBe(2);
    const line = yaml.split('\n').findIndex((l) => l.includes('0..99999')) + 1;
    expect(r.stderr).toMatch(new RegExp(`shardship\\.yaml:${line}:\\d+: migrate\\.environments\\.prod\\.tables\\.t_order\\.actualDataNodes: .*over the limit`));
  });
});

describe('DSN passwords', () => {
  it('a raw % is a config error telling to percent-encode, never printing the password', async () => {
    const where = { node: 'n1', dsnEnv: 'SHARD_N1_DSN', path: 'migrate.environments.prod.nodes.n1.dsnEnv' };
    expect(() => parseDsn('mysql://app:50%off-Secret@127.0.0.1:3306', where)).toThrow(ConfigError);
    try {
      parseDsn('mysql://app:50%off-Secret@127.0.0.1:3306', where);
    } catch (e) {
      const text = JSON.stringify((e as ConfigError).problems) + (e as Error).message;
      expect(text).toMatch(/percent-encode/);
      expect(text).toContain('%25');
      expect(text).not.toContain('50%off-Secret');
      expect(text).not.toContain('off-Secret');
    }
    expect(parseDsn('mysql://app:50%25off@127.0.0.1:3306', where).password).toBe('50%off');
    const cwd = await tempProject({ 'V1__x.sql': 'ALTER TABLE t_config ADD COLUMN x INT NULL;\n' });
    const r = await run(cwd, { SHARD_N1_DSN: 'mysql://app:50%off-Secret@127.0.0.1:1', SHARD_N2_DSN: 'mysql://app:pw@127.0.0.1:1' }, 'migrate', 'status', '--env', 'prod');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SHARD_N1_DSN\b.*percent-encode/);
    expect(r.stdout + r.stderr).not.toContain('off-Secret');
    expect(r.stdout + r.stderr).not.toMatch(/internal error|URI malformed/);
  });
});

describe('quoted identifiers', () => {
  it('doubled backticks are unescaped in table and column names', () => {
    const st = analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE `t``x` ADD COLUMN `c``d` INT', line: 1 });
    expect(st.tables).toEqual(['t`x']);
    expect(JSON.stringify(st.ast)).toContain('"column":"c`d"');
  });
});
