// The release stage's session: the release config and, per app, the options every release
// function takes (a Cluster connection, Prometheus sources by address, the timeouts), built one
// way for `shardship release ...` and the pipeline's release step. A composition root: it
// imports the Kubernetes and Prometheus adapters.
import { durationMs } from '../config/common.js';
import { ReleaseConfig } from '../config/release.js';
import type { ShardshipConfig } from '../config/schema.js';
import { UsageError } from '../core/errors.js';
import { connectCluster } from '../kube/client.js';
import { prometheusSource } from '../prometheus/client.js';
import type { MetricsSource } from '../release/ports.js';
import type { ReleaseOptions } from '../release/index.js';

export interface ReleaseSessionInput {
  /** Where release.templates is resolved from. */
  cwd: string;
  config: ShardshipConfig;
  env: NodeJS.ProcessEnv;
  /** Default: $KUBECONFIG, else in-cluster or ~/.kube/config. */
  kubeconfig?: string;
  /** Progress lines of the release functions. */
  log: (line: string) => void;
}

export interface ReleaseSession {
  config: ReleaseConfig;
  /** The options of the release functions for `app`, with a Cluster connection of its own. */
  options(app: string): ReleaseOptions;
  /** `[app]`, or every app of release.apps; an app not there is a usage error. */
  apps(app?: string): string[];
}

export function openReleaseSession(input: ReleaseSessionInput): ReleaseSession {
  const config = input.config.release ?? ReleaseConfig.parse({});
  const timeouts = input.config.timeouts;
  const kubeconfigPath = input.kubeconfig ?? input.env.KUBECONFIG;
  // One source per Prometheus address for the whole session.
  const sources = new Map<string, MetricsSource>();
  const metrics = (address: string): MetricsSource =>
    sources.get(address) ?? sources.set(address, prometheusSource(address, { timeoutMs: durationMs(timeouts.prometheus) })).get(address)!;
  return {
    config,
    options: (app) => ({
      cluster: connectCluster({ ...(kubeconfigPath ? { kubeconfigPath } : {}), requestTimeoutMs: durationMs(timeouts.kubernetes) }),
      metrics,
      config,
      httpTimeoutMs: durationMs(timeouts.http),
      app,
      env: input.env,
      cwd: input.cwd,
      log: input.log,
    }),
    apps: (app) => {
      const all = Object.keys(config.apps);
      if (!app) return all;
      if (!all.includes(app)) throw new UsageError(`no app "${app}" in shardship.yaml release.apps`, { hint: `one of: ${all.join(', ') || '(none)'}` });
      return [app];
    },
  };
}
