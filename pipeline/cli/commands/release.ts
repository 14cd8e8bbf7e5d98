// `shardship release start|status|promote|abort|pause|resume|retry|history|watch`: thin
// wrappers that read flags, build the Cluster and MetricsSource adapters, call one function
// of pipeline/release and print its report.
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import { parseDurationFlag } from '../flags.js';
import { UsageError } from '../../core/errors.js';
import { versioned } from '../../core/output.js';
import type { ReleaseCommandPreview, ReleaseOptions, ReleaseReport } from '../../release/index.js';
import { stopOnSignals } from '../signals.js';

interface CommonFlags {
  app: string;
  config: string;
  kubeconfig?: string;
  json?: boolean;
  timeout?: string;
  poll?: string;
  analysisInterval?: string;
}

async function parseDuration(flag: string, value: string | undefined): Promise<number | undefined> {
  return value === undefined ? undefined : parseDurationFlag(flag, value);
}

async function buildOptions(ctx: CliContext, flags: CommonFlags): Promise<ReleaseOptions> {
  // Loaded on use: `shardship --help` registers every command (client-node, zod schemas).
  const [{ loadConfig }, { openReleaseSession }] = await Promise.all([import('../../config/load.js'), import('../../session/release.js')]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  const session = openReleaseSession({
    cwd: ctx.cwd,
    config: loaded.config,
    env: ctx.env,
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    // Progress lines go to stderr so that --json stays parseable.
    log: (line: string) => ctx.output.err(ctx.output.paint.dim(line)),
  });
  const timeoutMs = await parseDuration('timeout', flags.timeout);
  const pollMs = await parseDuration('poll', flags.poll);
  const analysisIntervalMs = await parseDuration('analysis-interval', flags.analysisInterval);
  return {
    ...session.options(flags.app),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(pollMs !== undefined ? { pollMs } : {}),
    ...(analysisIntervalMs !== undefined ? { analysisIntervalMs } : {}),
  };
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--app <name>', 'app from release.apps in shardship.yaml')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG)')
    .option('--json', 'print the report as JSON');
}

function driving(cmd: Command): Command {
  return cmd
    .option('--timeout <duration>', 'stop driving after this long and exit 4 (the release goes on at the next run)', '10m')
    .option('--poll <duration>', 'how often to look again while waiting for pods', '1s')
    .option('--analysis-interval <duration>', 'override every analysis template interval');
}

async function emit(ctx: CliContext, flags: { json?: boolean }, r: ReleaseReport): Promise<void> {
  if (flags.json) ctx.output.json(versioned(r));
  else {
    const { renderReleaseText } = await import('../../release/report-text.js');
    for (const line of renderReleaseText(r, ctx.output.paint)) ctx.output.out(line);
  }
  ctx.exitCode = r.exitCode;
}

async function emitPreview(ctx: CliContext, flags: { json?: boolean }, p: ReleaseCommandPreview): Promise<void> {
  if (flags.json) ctx.output.json(versioned(p));
  else for (const line of (await import('../../release/transition-text.js')).renderCommandPreview(p, ctx.output.paint)) ctx.output.out(line);
  ctx.exitCode = 0;
}

function parseAnnotations(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--pod-annotation ${v}: write KEY=VALUE`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

export const registerRelease: CommandModule = (program, ctx) => {
  const release = program.command('release').description('progressive delivery on Kubernetes: canary, blue-green and gray releases');

  driving(common(release.command('start')))
    .description('start a release and drive it until it pauses, completes or aborts (exit 0 done, 1 aborted, 3 paused, 4 timed out)')
    .requiredOption('--image <ref>', 'image to release')
    .option('--strategy <name>', 'canary, blue-green or gray (default: from shardship.yaml)')
    .option('--pod-annotation <key=value>', 'annotation on the new version\'s pods (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (flags: CommonFlags & { image: string; strategy?: string; podAnnotation: string[] }) => {
      const { startRelease } = await import('../../release/index.js');
      const opts = await buildOptions(ctx, flags);
      const r = await startRelease({ ...opts, image: flags.image, ...(flags.strategy ? { strategy: flags.strategy } : {}), podAnnotations: parseAnnotations(flags.podAnnotation) });
      await emit(ctx, flags, r);
    });

  common(release.command('status'))
    .description('show the release (exit 0 healthy/completed, 1 aborted, 3 paused)')
    .option('--watch', 'keep looking until --until is met')
    .option('--until <state>', 'with --watch: paused or healthy', 'healthy')
    .option('--timeout <duration>', 'with --watch: give up after this long (exit 4)', '10m')
    .option('--poll <duration>', 'with --watch: how often to look', '2s')
    .action(async (flags: CommonFlags & { watch?: boolean; until: 'paused' | 'healthy' }) => {
      if (flags.until !== 'paused' && flags.until !== 'healthy') throw new UsageError(`--until ${String(flags.until)}: use paused or healthy`);
      const [{ releaseStatus }, { watchReleaseStatus }] = await Promise.all([import('../../release/index.js'), import('../../release/follow.js')]);
      const opts = await buildOptions(ctx, flags);
      if (!flags.watch) return emit(ctx, flags, await releaseStatus(opts));
      const r = await watchReleaseStatus(opts, {
        until: flags.until,
        timeoutMs: opts.timeoutMs ?? 600_000,
        pollMs: opts.pollMs ?? 2000,
        onWait: (w) => {
          if (!flags.json) ctx.output.err(ctx.output.paint.dim(`${w.phase}: ${w.message}`));
        },
      });
      return emit(ctx, flags, r);
    });

  driving(common(release.command('promote')))
    .description('skip the current pause or analysis and continue (--full: go straight to the end)')
    .option('--full', 'skip every remaining pause, analysis and weight step')
    .option('--dry-run', 'print the transition and what it would do; write nothing')
    .action(async (flags: CommonFlags & { full?: boolean; dryRun?: boolean }) => {
      const { previewPromote, promoteRelease } = await import('../../release/index.js');
      const opts = { ...(await buildOptions(ctx, flags)), full: Boolean(flags.full) };
      if (flags.dryRun) return emitPreview(ctx, flags, await previewPromote(opts));
      await emit(ctx, flags, await promoteRelease(opts));
    });

  driving(common(release.command('abort')))
    .description('send all traffic back to stable (in one write) and scale the new version away')
    .option('--force', 'abort even after an irreversible step')
    .option('--dry-run', 'print the transition and what it would do; write nothing')
    .action(async (flags: CommonFlags & { force?: boolean; dryRun?: boolean }) => {
      const { abortRelease, previewAbort } = await import('../../release/index.js');
      const opts = { ...(await buildOptions(ctx, flags)), force: Boolean(flags.force) };
      if (flags.dryRun) return emitPreview(ctx, flags, await previewAbort(opts));
      await emit(ctx, flags, await abortRelease(opts));
    });

  common(release.command('pause'))
    .description('hold the release where it is until `resume`')
    .action(async (flags: CommonFlags) => {
      const { pauseRelease } = await import('../../release/index.js');
      await emit(ctx, flags, await pauseRelease(await buildOptions(ctx, flags)));
    });

  driving(common(release.command('resume')))
    .description('continue a paused release (and any release left behind by a runner that stopped)')
    .action(async (flags: CommonFlags) => {
      const { resumeRelease } = await import('../../release/index.js');
      await emit(ctx, flags, await resumeRelease(await buildOptions(ctx, flags)));
    });

  driving(common(release.command('retry')))
    .description('run an aborted release again with the same image, or re-run the current analysis')
    .action(async (flags: CommonFlags) => {
      const { retryRelease } = await import('../../release/index.js');
      await emit(ctx, flags, await retryRelease(await buildOptions(ctx, flags)));
    });

  common(release.command('history'))
    .description('who started, promoted or aborted which revision, when, from which workflow run')
    .action(async (flags: CommonFlags) => {
      const [{ releaseHistory }, { renderHistoryText }] = await Promise.all([import('../../release/index.js'), import('../../release/report-text.js')]);
      const r = await releaseHistory(await buildOptions(ctx, flags));
      if (flags.json) ctx.output.json(versioned({ history: r.history ?? [] }));
      else for (const line of renderHistoryText({ ...r, app: flags.app })) ctx.output.out(line);
      ctx.exitCode = 0;
    });

  driving(release.command('watch'))
    .description('keep driving releases in progress (analysis between CI runs); runs in the cluster from deploy-templates/watch')
    .option('--app <name>', 'app to watch (default: every app in release.apps)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG)')
    .option('--json', 'print each report as JSON')
    .option('--interval <duration>', 'time between passes', '10s')
    .option('--once', 'one pass, then exit')
    .option('--print-manifests', 'print the objects that run this command in the cluster (pipe to `kubectl apply -f -`), then exit')
    .option('--image <ref>', 'with --print-manifests: an image with shardship as its entrypoint (deploy-templates/watch/Dockerfile)')
    .option('--namespace <ns>', 'with --print-manifests: namespace of the watch Deployment (default: release.namespace)')
    .action(async (flags: Omit<CommonFlags, 'app'> & { app?: string; interval: string; once?: boolean; printManifests?: boolean; image?: string; namespace?: string }) => {
      if (flags.printManifests) {
        const [{ loadConfig }, { ReleaseConfig }, { renderWatchObjects }, { stringify }] = await Promise.all([
          import('../../config/load.js'),
          import('../../config/release.js'),
          import('../../release/watch.js'),
          import('yaml'),
        ]);
        const config = (await loadConfig(ctx.cwd, flags.config, { optional: true })).config.release ?? ReleaseConfig.parse({});
        const objects = await renderWatchObjects({ image: flags.image, namespace: flags.namespace ?? config.namespace });
        ctx.output.out(objects.map((o) => stringify(o).trimEnd()).join('\n---\n'));
        ctx.exitCode = 0;
        return;
      }
      const [{ watchReleases }, { watchLine }] = await Promise.all([import('../../release/follow.js'), import('../../release/report-text.js')]);
      const opts = await buildOptions(ctx, { ...flags, app: flags.app ?? '' });
      const apps = flags.app ? [flags.app] : Object.keys(opts.config.apps);
      if (!apps.length) throw new UsageError('no apps under release.apps in shardship.yaml');
      const intervalMs = (await parseDuration('interval', flags.interval)) ?? 10_000;
      const stop = stopOnSignals();
      try {
        ctx.exitCode = await watchReleases((app) => ({ ...opts, app }), {
          apps,
          intervalMs,
          once: Boolean(flags.once),
          signal: stop.signal,
          skipMissing: !flags.app,
          onReport: (r) => (flags.json ? ctx.output.json(versioned(r)) : ctx.output.out(watchLine(r))),
          onError: (app, e) => ctx.output.err(`${new Date().toISOString()} ${app}: ${e.message}`),
        });
      } finally {
        stop.dispose();
      }
    });
};
