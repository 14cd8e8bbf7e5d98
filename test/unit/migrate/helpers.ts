// Shared fixtures for the migrate unit tests: a sample topology and temp migration dirs.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../pipeline/config/load.js';
import type { MigrateConfig } from '../../../pipeline/config/migrate.js';
import { resolveTopology, type Topology } from '../../../pipeline/migrate/topology.js';
import { topologyYaml } from '../../support/shards.js';

/** 2 nodes, 4 databases; t_order and t_order_item sharded alike (4 per database), t_user sharded otherwise. */
export const SAMPLE_TOPOLOGY_YAML = topologyYaml({ environment: 'prod' });

/** The `migrate` section of SAMPLE_TOPOLOGY_YAML, parsed and validated as shardship.yaml would be. */
export function sampleMigrateConfig(): MigrateConfig {
  return parseConfig('shardship.yaml', SAMPLE_TOPOLOGY_YAML).migrate!;
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
