import { z } from 'zod';
import { boundedInt, Duration } from './common.js';

// env: DB Mesh environments (`shardship env up|down|list|gc`). An environment is a namespace
// with its apps and ShardingSphere-Proxy plus fresh physical databases laid out like one of
// migrate.environments (docs/environments.md).

export const EnvConfig = z
  .strictObject({
    from: z.string().optional().describe('The migrate environment whose topology an environment copies (default: the only one, or --from).'),
    apps: z.array(z.string()).optional().describe('release.apps to deploy into each environment (default: all of them).'),
    ttl: Duration.default('72h').describe('How long an environment lives before `env gc` removes it (--ttl overrides).'),
    namespacePrefix: z
      .string()
      .regex(/^[a-z]([-a-z0-9]*)?$/, { message: 'lowercase letters, digits and "-", starting with a letter' })
      .max(20)
      .default('env-')
      .describe('Namespace of environment NAME: <namespacePrefix><name>.'),
    databasePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, { message: 'lowercase letters, digits and "_", starting with a letter' })
      .max(20)
      .default('env_')
      .describe('Physical database D of environment NAME: <databasePrefix><name>__D.'),
    quota: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .default({ pods: '20', 'requests.cpu': '4', 'requests.memory': '8Gi' })
      .describe('ResourceQuota spec.hard of each environment namespace.'),
    hostCapacityBytes: boundedInt(1, Number.MAX_SAFE_INTEGER)
      .optional()
      .describe("Cap per database host: every environment database reserves the topology's capacityBytes; an `up` that would go over is refused."),
    maxEnvironments: boundedInt(1, 100_000).default(500).describe('Most environments at once.'),
    concurrency: boundedInt(1, 256).default(8).describe('Environments built at once by a bulk `env up`.'),
    proxyImage: z.string().optional().describe('ShardingSphere-Proxy image (default: the template\'s).'),
    proxyHosts: z
      .record(z.string(), z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, { message: 'write host or host:port' }))
      .default({})
      .describe('Node -> host:port the proxy reaches it at, when that differs from the DSN (in-cluster DNS names).'),
  })
  .describe('DB Mesh environments: a namespace, its apps, ShardingSphere-Proxy and its own shards per pull request or customer.');
export type EnvConfig = z.infer<typeof EnvConfig>;
