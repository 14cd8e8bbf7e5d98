// The pipeline's migrate step (events/wire-migrate.ts) applies as `shardship migrate apply` does:
// the pre-migration snapshot of a destructive statement is taken there too, so that
// `migrate undo` works after a pipeline apply.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { migrateStage } from '../../../pipeline/events/wire-migrate.js';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { columns, topologyYaml } from '../../support/shards.js';
import { useShardFixture } from './exec-fixture.js';

const f = useShardFixture();
const cwd = tempDir('pipeline-apply');
afterAll(() => removeDir(cwd));

describe('the pipeline migrate step', () => {
  it('snapshots before a destructive statement, as migrate apply does, so migrate undo works after it', async () => {
    mkdirSync(join(cwd, 'migrations'));
    const yaml = topologyYaml({ environment: 'test', tables: ['t_order', 't_config'] });
    writeFileSync(join(cwd, 'shardship.yaml'), yaml);
    writeFileSync(join(cwd, 'migrations', 'V1__note.sql'), 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
    writeFileSync(join(cwd, 'migrations', 'V2__drop_note.sql'), '-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_order DROP COLUMN note;\n');
    const stage = migrateStage({ repoDir: cwd, config: ShardshipConfig.parse(parse(yaml)), env: { ...f.env, CI: '1' }, input: () => '' });
    const report = await stage.migrate!({ environment: 'test', apply: true });
    expect(report.results?.every((r) => r.status === 'applied')).toBe(true);
    const snaps = (await rootQuery(f.nodes[1]!, 'SELECT DISTINCT version FROM loan_3.shardship_snapshots')) as { version: string }[];
    expect(snaps.map((s) => s.version)).toEqual(['2']);

    const output = memoryOutput();
    const undo = await main(['migrate', 'undo', '2'], { cwd, env: { ...f.env, CI: '1' }, output });
    expect(output.stderr.join('\n')).not.toContain('cannot undo');
    expect(undo).toBe(0);
    expect(await columns(f.nodes[1]!, 'loan_3', 't_order_2')).toContain('note');
  });
});
