import { z } from 'zod';
import { boundedInt, Duration, EnvVarName, RuleSetting } from './common.js';

export const ShardNodeConfig = z.strictObject({
  dsnEnv: EnvVarName.describe('Env var holding mysql://user:pass@host:port for this node.'),
  concurrency: boundedInt(1, 256).optional(),
});

export const LogicalTableConfig = z.union([
  z.strictObject({
    kind: z.literal('sharded'),
    actualDataNodes: z.string().describe('ShardingSphere inline expression, e.g. loan_${0..3}.t_order_${0..15}.'),
    shardKey: z.string().describe('Column that routes a row to its shard (code must constrain it).'),
  }),
  z.strictObject({ kind: z.literal('broadcast').describe('Same table in every physical database.') }),
  z.strictObject({ kind: z.literal('single').describe('One table in one database.'), database: z.string() }),
]);

export const EnvironmentTopology = z.strictObject({
  nodes: z.record(z.string(), ShardNodeConfig),
  databases: z.record(z.string(), z.string()).describe('Physical database -> node name.'),
  tables: z.record(z.string(), LogicalTableConfig),
  capacityBytes: boundedInt(1, Number.MAX_SAFE_INTEGER).optional().describe('Cap on each physical database size.'),
});
export type EnvironmentTopology = z.infer<typeof EnvironmentTopology>;
export type LogicalTableConfig = z.infer<typeof LogicalTableConfig>;

export const MigrateConfig = z
  .strictObject({
    directory: z.string().default('migrations'),
    environments: z.record(z.string(), EnvironmentTopology).default({}),
    concurrency: boundedInt(1, 256).default(8),
    nodeConcurrency: boundedInt(1, 256).default(4),
    lockWaitTimeout: Duration.default('5s'),
    lockRetries: boundedInt(0, 100).default(3),
    allowCopyAlter: z.boolean().default(false),
    rules: z.record(z.string(), RuleSetting).default({}).describe('SQL lint rule id (sql/destructive-drop...) -> severity or { severity, options }.'),
  })
  .describe('Shard-aware schema migrations.');
export type MigrateConfig = z.infer<typeof MigrateConfig>;
