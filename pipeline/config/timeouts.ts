import { z } from 'zod';
import { Duration } from './common.js';

// How long shardship waits for each service before giving up. A stalled service (accepts,
// never answers) fails with a message naming it and exit 4, never a hang. docs/limits.md
// lists these with every other limit a user can set.
export const TimeoutsConfig = z
  .strictObject({
    github: Duration.default('30s').describe('Each GitHub API request (checks, comments, deployments).'),
    kubernetes: Duration.default('30s').describe('Each Kubernetes API request.'),
    prometheus: Duration.default('10s').describe('Each Prometheus query of an analysis.'),
    http: Duration.default('10s').describe('Each HTTP analysis check request.'),
    docker: Duration.default('30s').describe('Each Docker Engine API call that is not a stream (version, inspect, tag); build, pull and push streams use build.stallTimeout.'),
    mysqlConnect: Duration.default('5s').describe('Connecting to a MySQL node, handshake included.'),
    mysqlQuery: Duration.default('1h').describe('One statement on a shard (raise it for DDL that copies big tables).'),
  })
  .describe('Per-service timeouts.');
export type TimeoutsConfig = z.infer<typeof TimeoutsConfig>;

export const DEFAULT_TIMEOUTS: TimeoutsConfig = TimeoutsConfig.parse({});
