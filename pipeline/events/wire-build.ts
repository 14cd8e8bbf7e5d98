// Wires the build core (Docker Engine API) into the stage port: pull requests build without
// pushing, pushes build and push; credentials come from shardship.yaml or the docker config.
import { durationMs } from '../config/common.js';
import { processOutput } from '../core/output.js';
import { readSource } from '../build/source.js';
import { requireBuildConfig, runBuild } from '../build/run.js';
import { dockerEngine } from '../docker/engine.js';
import { GitRepo } from '../git/repo.js';
import { resolveCredentials } from '../docker/credentials.js';
import type { PipelineStages, WireOptions } from './stages.js';

export function buildStage(opts: WireOptions): Pick<PipelineStages, 'build'> {
  return {
    build: async ({ ref, push }) => {
      const build = requireBuildConfig(opts.config);
      const pr = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
      const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
      const source = await readSource(new GitRepo(opts.repoDir, opts.env), opts.env, { ...(pr ? { pr: Number(pr) } : {}), ...(branch ? { branch } : {}) });
      const r = await runBuild({
        repoDir: opts.repoDir,
        config: opts.config,
        source,
        push,
        engine: dockerEngine(opts.env, { timeoutMs: durationMs(opts.config.timeouts.docker) }),
        output: processOutput(),
        credentials: (registry) => resolveCredentials(registry, { env: opts.env, ...(build.auth ? { explicit: build.auth } : {}) }),
      });
      return { image: r.references[0] ?? r.repository, ...(r.digest ? { digest: r.digest } : {}), tags: r.tags, pushed: r.pushed };
    },
  };
}
