// Shared fixtures for the migrate unit tests: a sample topology and temp migration dirs.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrateConfig } from '../../../pipeline/config/migrate.js';
import { resolveTopology, type Topology } from '../../../pipeline/migrate/topology.js';

/** 2 nodes, 4 databases; t_order and t_order_item sharded alike (4 per database), t_user sharded otherwise. */
export const SAMPLE_TOPOLOGY_YAML = `version: 1
migrate:
  directory: migrations
  environments:
    prod:
      nodes:
        n1: { dsnEnv: SHARD_N1_DSN }
        n2: { dsnEnv: SHARD_N2_DSN, concurrency: 2 }
      databases:
        loan_0: n1
        loan_1: n1
        loan_2: n2
        loan_3: n2
      tables:
        t_order: { kind: sharded, actualDataNodes: 'loan_\${0..3}.t_order_\${0..3}', shardKey: user_id }
        t_order_item: { kind: sharded, actualDataNodes: 'loan_\${0..3}.t_order_item_\${0..3}', shardKey: user_id }
        t_user: { kind: sharded, actualDataNodes: 'loan_\${0..3}.t_user_\${[0,1]}', shardKey: id }
        t_config: { kind: broadcast }
        t_region: { kind: broadcast }
        t_audit: { kind: single, database: loan_0 }
        t_report: { kind: single, database: loan_0 }
`;

export function sampleMigrateConfig(): MigrateConfig {
  return MigrateConfig.parse({
    directory: 'migrations',
    environments: {
      prod: {
        nodes: { n1: { dsnEnv: 'SHARD_N1_DSN' }, n2: { dsnEnv: 'SHARD_N2_DSN', concurrency: 2 } },
        databases: { loan_0: 'n1', loan_1: 'n1', loan_2: 'n2', loan_3: 'n2' },
        tables: {
          t_order: { kind: 'sharded', actualDataNodes: 'loan_${0..3}.t_order_${0..3}', shardKey: 'user_id' },
          t_order_item: { kind: 'sharded', actualDataNodes: 'loan_${0..3}.t_order_item_${0..3}', shardKey: 'user_id' },
          t_user: { kind: 'sharded', actualDataNodes: 'loan_${0..3}.t_user_${[0,1]}', shardKey: 'id' },
          t_config: { kind: 'broadcast' },
          t_region: { kind: 'broadcast' },
          t_audit: { kind: 'single', database: 'loan_0' },
          t_report: { kind: 'single', database: 'loan_0' },
        },
      },
    },
  });
}

export function sampleTopology(): Topology {
  return resolveTopology(sampleMigrateConfig(), 'prod');
}

const made: string[] = [];

/** Remove every temp project made by this test file (call from afterAll). */
export async function removeTempProjects(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A temp project with shardship.yaml and the given migration files. */
export async function tempProject(files: Record<string, string>, config = SAMPLE_TOPOLOGY_YAML): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shardship-migrate-'));
  made.push(dir);
  await writeFile(join(dir, 'shardship.yaml'), config);
  await mkdir(join(dir, 'migrations'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'migrations', name), text);
  return dir;
}
