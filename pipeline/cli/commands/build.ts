import type { CommandModule } from '../context.js';
import { versioned } from '../../core/output.js';
import { UsageError } from '../../core/errors.js';

interface BuildFlags {
  config: string;
  push: boolean;
  cache: boolean;
  target?: string;
  file?: string;
  buildArg: string[];
  branch?: string;
  pr?: string;
  dryRun?: boolean;
  json?: boolean;
}

function parseBuildArgs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg ${item.split('=')[0]} needs NAME=VALUE`, { hint: 'e.g. --build-arg NODE_ENV=production' });
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export const registerBuild: CommandModule = (program, ctx) => {
  program
    .command('build')
    .description('build the commit into a tagged, labelled image and push it (Docker Engine API)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--no-push', 'build and tag locally, do not push')
    .option('--no-cache', 'do not use the build cache (nor cache-from images)')
    .option('--target <stage>', 'Dockerfile stage to build (overrides build.target)')
    .option('-f, --file <dockerfile>', 'Dockerfile, relative to the context (overrides build.dockerfile)')
    .option('--build-arg <NAME=VALUE>', 'build arg, repeatable (secret-looking names are never printed)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--branch <name>', 'branch this build is for (default: GITHUB_REF, then the checkout)')
    .option('--pr <number>', 'pull request number: tags pr-<n> instead of the branch')
    .option('--dry-run', 'print the plan (tags, labels, args) without building')
    .option('--json', 'print the result as JSON')
    .action(async (flags: BuildFlags) => {
      // Loaded on use: `shardship --help` registers every command (dockerode, zod schemas).
      const [{ loadConfig }, { readSource }, { GitRepo }, { describePlan }, { prepareBuild, requireBuildConfig, runBuild }] = await Promise.all([
        import('../../config/load.js'),
        import('../../build/source.js'),
        import('../../git/repo.js'),
        import('../../build/plan.js'),
        import('../../build/run.js'),
      ]);
      const { config } = await loadConfig(ctx.cwd, flags.config);
      const build = requireBuildConfig(config);
      let pr: number | undefined;
      if (flags.pr !== undefined) {
        pr = Number(flags.pr);
        if (!Number.isInteger(pr) || pr <= 0) throw new UsageError(`--pr ${flags.pr} is not a pull request number`);
      }
      const source = await readSource(new GitRepo(ctx.cwd, ctx.env), ctx.env, { ...(flags.branch ? { branch: flags.branch } : {}), ...(pr !== undefined ? { pr } : {}) });
      const epoch = ctx.env.SOURCE_DATE_EPOCH;
      if (epoch !== undefined && !/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH="${epoch}" is not a number of seconds`);
      const common = {
        repoDir: ctx.cwd,
        config,
        source,
        push: flags.push,
        noCache: !flags.cache,
        buildArgs: parseBuildArgs(flags.buildArg),
        ...(flags.target ? { target: flags.target } : {}),
        ...(flags.file ? { dockerfile: flags.file } : {}),
        ...(epoch !== undefined ? { sourceDateEpoch: Number(epoch) } : {}),
      };
      if (flags.dryRun) {
        const { plan, warnings } = await prepareBuild(common);
        for (const w of warnings) ctx.output.err(`warning ${w}`);
        if (flags.json) ctx.output.json(versioned({ ...plan, buildArgs: plan.buildArgs.map((a) => ({ ...a, value: a.secret ? '***' : a.value })) }));
        else for (const line of describePlan(plan)) ctx.output.out(line);
        return;
      }
      const [{ dockerEngine }, { resolveCredentials }, { durationMs }] = await Promise.all([
        import('../../docker/engine.js'),
        import('../../docker/credentials.js'),
        import('../../config/common.js'),
      ]);
      const result = await runBuild({
        ...common,
        engine: dockerEngine(ctx.env, { timeoutMs: durationMs(config.timeouts.docker) }),
        output: ctx.output,
        credentials: (registry) => resolveCredentials(registry, { env: ctx.env, ...(build.auth ? { explicit: build.auth } : {}) }),
      });
      if (flags.json) ctx.output.json(versioned(result));
      else {
        ctx.output.out(`${result.repository}@${result.digest ?? result.imageId}`);
        ctx.output.out(`tags: ${result.tags.join(', ')}`);
      }
    });
};
