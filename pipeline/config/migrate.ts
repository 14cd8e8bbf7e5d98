import { z } from 'zod';
import { boundedInt, Duration, EnvVarName, RuleSetting } from './common.js';

export const ShardNodeConfig = z.strictObject({
  dsnEnv: EnvVarName.describe('Env var holding mysql://user:pass@host:port for this node.'),
  concurrency: boundedInt(1, 256).optional(),
});

export const ShardingStrategyConfig = z
  .strictObject({
    shardingColumn: z.string().describe('Column whose value picks the database (databaseStrategy) or the table (tableStrategy).'),
    algorithmExpression: z.string().describe('ShardingSphere INLINE algorithm, e.g. ds_${user_id % 2} or t_order_${order_id % 16}.'),
  })
  .describe('How rows are routed, as ShardingSphere\'s standard strategy with an INLINE algorithm.');
export type ShardingStrategyConfig = z.infer<typeof ShardingStrategyConfig>;

export const LogicalTableConfig = z.union([
  z.strictObject({
    kind: z.literal('sharded'),
    actualDataNodes: z.string().describe('ShardingSphere inline expression, e.g. loan_${0..3}.t_order_${0..15}.'),
    shardKey: z.string().optional().describe('Column code must constrain; default: the strategies\' sharding columns.'),
    databaseStrategy: ShardingStrategyConfig.optional().describe('Which database a row goes to (default: the environment\'s defaultDatabaseStrategy).'),
    tableStrategy: ShardingStrategyConfig.optional().describe('Which table of that database a row goes to (default: defaultTableStrategy).'),
  }),
  z.strictObject({ kind: z.literal('broadcast').describe('Same table in every physical database.') }),
  z.strictObject({ kind: z.literal('single').describe('One table in one database.'), database: z.string() }),
]);

export const EnvironmentTopology = z.strictObject({
  nodes: z.record(z.string(), ShardNodeConfig),
  databases: z.record(z.string(), z.string()).describe('Physical database -> node name.'),
  tables: z.record(z.string(), LogicalTableConfig),
  capacityBytes: boundedInt(1, Number.MAX_SAFE_INTEGER).optional().describe('Cap on each physical database size.'),
  defaultDatabaseStrategy: ShardingStrategyConfig.optional().describe('Database strategy of sharded tables that declare none.'),
  defaultTableStrategy: ShardingStrategyConfig.optional().describe('Table strategy of sharded tables that declare none.'),
  bindingTables: z
    .array(z.union([z.string(), z.array(z.string())]))
    .optional()
    .describe('Groups of sharded tables routed alike (a row of each with the same key lands in paired shards): [t_order, t_order_item] or "t_order,t_order_item".'),
});
export type EnvironmentTopology = z.infer<typeof EnvironmentTopology>;
export type LogicalTableConfig = z.infer<typeof LogicalTableConfig>;

// pt-online-schema-change's throttling, passed through as its own options (docs/migrate-apply.md).
export const PtOscConfig = z
  .strictObject({
    chunkTime: Duration.default('0.5s').describe('--chunk-time: size each chunk so its copy takes about this long.'),
    chunkSize: z.number().int().positive().optional().describe('--chunk-size: rows per chunk; set chunkTime: 0s to keep it fixed.'),
    sleep: Duration.optional().describe('--sleep: pause after each chunk (throttles the copy).'),
    maxLoad: z.string().regex(/^\w+=\d+(,\w+=\d+)*$/, 'write STATUS_VAR=N[,VAR=N], e.g. Threads_running=25').default('Threads_running=25').describe('--max-load: pause the copy while a status variable is over N.'),
    criticalLoad: z.string().regex(/^\w+=\d+(,\w+=\d+)*$/, 'write STATUS_VAR=N[,VAR=N], e.g. Threads_running=50').default('Threads_running=50').describe('--critical-load: abort the copy (the statement fails, nothing changes) when over N.'),
    maxLag: Duration.optional().describe('--max-lag: pause while a replica lags more than this.'),
    recursionMethod: z.enum(['processlist', 'hosts', 'none']).default('processlist').describe('--recursion-method: how pt-osc finds replicas to watch for lag.'),
  })
  .describe('pt-online-schema-change options (migrate.onlineSchemaChange: pt-osc).');
export type PtOscConfig = z.infer<typeof PtOscConfig>;

export const MigrateConfig = z
  .strictObject({
    directory: z.string().default('migrations'),
    environments: z.record(z.string(), EnvironmentTopology).default({}),
    concurrency: boundedInt(1, 256).default(8),
    nodeConcurrency: boundedInt(1, 256).default(4),
    lockWaitTimeout: Duration.default('5s'),
    lockRetries: boundedInt(0, 100).default(3),
    allowCopyAlter: z.boolean().default(false),
    onlineSchemaChange: z
      .enum(['none', 'pt-osc'])
      .optional()
      .describe('none (default): such an ALTER is refused unless allowCopyAlter. pt-osc: an ALTER no online algorithm can do runs through Percona pt-online-schema-change on each physical table (writes go on) instead of being refused.'),
    ptOsc: PtOscConfig.optional(),
    snapshotBefore: z
      .enum(['destructive', 'always', 'never'])
      .optional()
      .describe('Snapshot the physical tables a statement touches before it runs, so that `migrate undo` can restore them. Default destructive: only DROP TABLE/COLUMN, TRUNCATE and lossy column changes (the sql/destructive-drop and sql/lossy-column-change rules).'),
    rules: z.record(z.string(), RuleSetting).default({}).describe('SQL lint rule id (sql/destructive-drop...) -> severity or { severity, options }.'),
  })
  .describe('Shard-aware schema migrations.');
export type MigrateConfig = z.infer<typeof MigrateConfig>;
