// shardship.yaml: this one zod schema is the TS type, the runtime validation and the
// published JSON Schema (`shardship config schema`, schema/shardship.schema.json).
import { z } from 'zod';
import { GateConfig } from './gate.js';
import { BuildConfig } from './build.js';
import { MigrateConfig } from './migrate.js';
import { BackupConfig } from './backup.js';
import { EnvConfig } from './env.js';
import { ReleaseConfig } from './release.js';
import { TimeoutsConfig } from './timeouts.js';

export const ShardshipConfig = z
  .strictObject({
    version: z.literal(1).describe('Config format version.'),
    gate: GateConfig.default(GateConfig.parse({})),
    build: BuildConfig.optional(),
    migrate: MigrateConfig.optional(),
    backup: BackupConfig.optional(),
    release: ReleaseConfig.optional(),
    env: EnvConfig.optional(),
    timeouts: TimeoutsConfig.default(TimeoutsConfig.parse({})),
    /** Branch -> environment, used by the pipeline on push. */
    environments: z.record(z.string(), z.strictObject({ branch: z.string() })).default({}),
  })
  .describe('shardship.yaml');
export type ShardshipConfig = z.infer<typeof ShardshipConfig>;

export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://shardship.dev/schema/shardship.schema.json',
    title: 'shardship.yaml',
    ...z.toJSONSchema(ShardshipConfig, { io: 'input', unrepresentable: 'any' }),
  };
}
