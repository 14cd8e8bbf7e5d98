// The shardship ESLint plugin: code rules that know the shard topology. Options come from
// the topology (`pluginOptionsFromTopology`), so code and migrations share one source.
import type { ESLint, Linter } from 'eslint';
import type { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { lintTopologyFrom } from '../../../pipeline/migrate/lint.js';
import { noPhysicalShardName } from './no-physical-shard-name.js';
import { noUnshardedQuery } from './no-unsharded-query.js';
import { pluginOptionsFromTopology, type ShardshipRuleOptions } from './options.js';

export { pluginOptionsFromTopology, type ShardshipRuleOptions } from './options.js';

export const shardshipPlugin = {
  meta: { name: 'eslint-plugin-shardship', version: '0.1.0' },
  rules: {
    'no-unsharded-query': noUnshardedQuery,
    'no-physical-shard-name': noPhysicalShardName,
  },
} satisfies ESLint.Plugin;

export default shardshipPlugin;

/** A flat-config entry enabling both rules with the topology's options. */
export function shardshipPluginConfig(options: ShardshipRuleOptions, severity: 'error' | 'warn' = 'error'): Linter.Config {
  return {
    name: 'shardship/topology',
    plugins: { shardship: shardshipPlugin },
    rules: {
      'shardship/no-unsharded-query': [severity, options],
      'shardship/no-physical-shard-name': [severity, options],
    },
  };
}

/**
 * The flat-config entry for a repo's shardship.yaml (tables merged over every environment),
 * or undefined when it declares no sharded table. For the gate's ESLint run.
 */
export function shardshipPluginConfigFor(config: ShardshipConfig, severity: 'error' | 'warn' = 'error'): Linter.Config | undefined {
  const topology = lintTopologyFrom(config.migrate);
  if (!topology) return undefined;
  const options = pluginOptionsFromTopology(topology);
  return Object.keys(options.shardedTables).length ? shardshipPluginConfig(options, severity) : undefined;
}
