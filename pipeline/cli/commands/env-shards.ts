// `shardship env render-shards`: the in-cluster MySQL shard hosts of a topology
// (deploy-templates/mysql-shard) as YAML for `kubectl apply -f -` (pipeline/env/mysql-shard.ts).
import type { Command } from 'commander';
import { versioned } from '../../core/output.js';
import type { CliContext, CommandModule } from '../context.js';

interface RenderShardsFlags {
  config: string;
  env?: string;
  namespace: string;
  secret: string;
  secretKey: string;
  storage?: string;
  storageClass?: string;
  image?: string;
  ephemeral?: boolean;
  json?: boolean;
}

export const registerEnvRenderShards: CommandModule = (program: Command, ctx: CliContext) => {
  const env = program.commands.find((c) => c.name() === 'env') ?? program.command('env').description('DB Mesh environments: namespace, proxy and shards per pull request or customer');
  env
    .command('render-shards')
    .description("print a headless Service and a StatefulSet per shard host of the topology (MySQL in the cluster), for kubectl apply -f -")
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--namespace <ns>', 'namespace of the objects', 'default')
    .option('--secret <name>', "Secret holding MySQL's root password", 'mysql-root')
    .option('--secret-key <key>', 'key of the password in that Secret', 'password')
    .option('--storage <quantity>', 'data volume size of each host (default 10Gi)')
    .option('--storage-class <name>', 'storageClassName of the data volumes')
    .option('--image <ref>', 'MySQL image (default: the pinned mysql 8.4)')
    .option('--ephemeral', 'volumes deleted with the hosts, hosts only prefer separate machines (preview environments)')
    .option('--json', 'print the objects as a JSON list')
    .action(async (opts: RenderShardsFlags) => {
      const [{ loadConfig }, { migrateSection }, { resolveTopology }, { renderShardHostObjects }, { stringify }, { chooseEnvironment }] = await Promise.all([
        import('../../config/load.js'),
        import('../../migrate/plan.js'),
        import('../../migrate/topology.js'),
        import('../../env/mysql-shard.js'),
        import('yaml'),
        import('../../session/migrate.js'),
      ]);
      const loaded = await loadConfig(ctx.cwd, opts.config);
      const config = migrateSection(loaded.config);
      const topology = resolveTopology(config, chooseEnvironment(config, opts.env), loaded.source);
      const objects = renderShardHostObjects({
        topology,
        namespace: opts.namespace,
        labels: {},
        rootPassword: { secret: opts.secret, key: opts.secretKey },
        ...(opts.storage ? { storage: opts.storage } : {}),
        ...(opts.storageClass ? { storageClassName: opts.storageClass } : {}),
        ...(opts.image ? { image: opts.image } : {}),
        ...(opts.ephemeral ? { ephemeral: true } : {}),
      });
      if (opts.json) ctx.output.json(versioned({ objects }));
      else ctx.output.out(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n').trimEnd());
    });
};
