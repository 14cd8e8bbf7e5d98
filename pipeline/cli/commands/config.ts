import type { CommandModule } from '../context.js';
import { versioned } from '../../core/output.js';

export const registerConfig: CommandModule = (program, ctx) => {
  const config = program.command('config').description('validate shardship.yaml or print its JSON Schema');
  config
    .command('validate')
    .description('report every problem in shardship.yaml with file:line:column and a hint')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--json', 'print the validated config as JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      // Loaded on use: the zod schemas cost `shardship --help` time.
      const [{ loadConfig }, { resolveTopology }, { ConfigError }] = await Promise.all([import('../../config/load.js'), import('../../migrate/topology.js'), import('../../core/errors.js')]);
      const { file, config: cfg, source } = await loadConfig(ctx.cwd, opts.config);
      // Every environment's topology too: expansions, nodes, strategies, with file:line.
      const problems = [];
      for (const environment of Object.keys(cfg.migrate?.environments ?? {})) {
        try {
          resolveTopology(cfg.migrate!, environment, source);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          problems.push(...e.problems);
        }
      }
      if (problems.length) throw new ConfigError(problems);
      if (opts.json) ctx.output.json(versioned(cfg));
      else ctx.output.out(`${file}: ok`);
    });
  config
    .command('schema')
    .description('print the JSON Schema of shardship.yaml')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/schema.js');
      ctx.output.out(JSON.stringify(configJsonSchema(), null, 2));
    });
};
