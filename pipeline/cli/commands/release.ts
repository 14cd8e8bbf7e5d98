// `shardship release start|status|promote|abort|pause|resume|retry|history|watch`: thin
// wrappers that read flags, build the Cluster and MetricsSource adapters, call one function
// of pipeline/release and print its report.
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import { parseDurationFlag } from '../flags.js';
import { UsageError } from '../../core/errors.js';
import { versioned, type Output } from '../../core/output.js';
import type { ReleaseCommandPreview, ReleaseOptions, ReleaseReport } from '../../release/index.js';

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
  const [{ loadConfig }, { ReleaseConfig }, { connectCluster }, { prometheusSource }, { durationMs }] = await Promise.all([
    import('../../config/load.js'),
    import('../../config/release.js'),
    import('../../kube/client.js'),
    import('../../prometheus/client.js'),
    import('../../config/common.js'),
  ]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  const config = loaded.config.release ?? ReleaseConfig.parse({});
  const timeouts = loaded.config.timeouts;
  const kubeconfigPath = flags.kubeconfig ?? ctx.env.KUBECONFIG;
  const cluster = connectCluster({ ...(kubeconfigPath ? { kubeconfigPath } : {}), requestTimeoutMs: durationMs(timeouts.kubernetes) });
  const timeoutMs = await parseDuration('timeout', flags.timeout);
  const pollMs = await parseDuration('poll', flags.poll);
  const analysisIntervalMs = await parseDuration('analysis-interval', flags.analysisInterval);
  const sources = new Map<string, ReturnType<typeof prometheusSource>>();
  return {
    cluster,
    metrics: (address: string) => sources.get(address) ?? sources.set(address, prometheusSource(address, { timeoutMs: durationMs(timeouts.prometheus) })).get(address)!,
    config,
    httpTimeoutMs: durationMs(timeouts.http),
    app: flags.app,
    env: ctx.env,
    cwd: ctx.cwd,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(pollMs !== undefined ? { pollMs } : {}),
    ...(analysisIntervalMs !== undefined ? { analysisIntervalMs } : {}),
    // Progress lines go to stderr so that --json stays parseable.
    log: (line: string) => ctx.output.err(ctx.output.paint.dim(line)),
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

export function printReport(out: Output, r: ReleaseReport): void {
  const p = out.paint;
  const colour = (s: string) => (r.exitCode === 0 ? p.green(s) : r.exitCode === 3 ? p.yellow(s) : p.red(s));
  if (!r.exists) {
    out.out(r.message);
    return;
  }
  out.out(`${p.bold(r.app)}  ${r.strategy} via ${r.router}  revision ${r.revision}  ${colour(r.phase)}`);
  out.out(`  image    ${r.image}${r.previousImage ? p.dim(` (was ${r.previousImage})`) : ''}`);
  out.out(`  step     ${Math.min(r.stepIndex + 1, r.steps)}/${r.steps} ${r.currentStep ?? ''}`);
  const confirmed = r.confirmedWeight !== undefined ? `, ${r.confirmedWeight}% confirmed` : '';
  out.out(`  weight   ${r.desiredWeight}% desired${confirmed}${r.cohorts ? `, ${r.cohorts} cohort(s)` : ''}`);
  if (r.startedBy) out.out(`  started  by ${r.startedBy.who} at ${r.startedBy.at}${r.startedBy.runId ? ` (run ${r.startedBy.runId})` : ''}`);
  for (const a of r.analysis.slice(-5)) out.out(`  analysis step ${a.stepIndex + 1} ${a.template}: ${a.outcome === 'Failed' ? p.red(a.outcome) : a.outcome} (${a.message})`);
  for (const n of r.notes) out.out(`  note     ${n}`);
  out.out(`  ${r.message}`);
  if (r.timedOut) out.out(p.yellow('  timed out: run `shardship release status --watch` or `release watch` to follow it'));
}

function emit(ctx: CliContext, flags: { json?: boolean }, r: ReleaseReport): void {
  if (flags.json) ctx.output.json(versioned(r));
  else printReport(ctx.output, r);
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
      emit(ctx, flags, r);
    });

  common(release.command('status'))
    .description('show the release (exit 0 healthy/completed, 1 aborted, 3 paused)')
    .option('--watch', 'keep looking until --until is met')
    .option('--until <state>', 'with --watch: paused or healthy', 'healthy')
    .option('--timeout <duration>', 'with --watch: give up after this long (exit 4)', '10m')
    .option('--poll <duration>', 'with --watch: how often to look', '2s')
    .action(async (flags: CommonFlags & { watch?: boolean; until: string }) => {
      if (flags.until !== 'paused' && flags.until !== 'healthy') throw new UsageError(`--until ${flags.until}: use paused or healthy`);
      const { releaseStatus } = await import('../../release/index.js');
      const opts = await buildOptions(ctx, flags);
      if (!flags.watch) return emit(ctx, flags, await releaseStatus(opts));
      const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
      for (;;) {
        const r = await releaseStatus(opts);
        const done = r.phase === 'Aborted' || r.phase === 'Frozen' || (flags.until === 'paused' ? r.phase === 'Paused' : r.phase === 'Completed' || r.phase === 'None');
        if (done) return emit(ctx, flags, r);
        if (Date.now() > deadline) return emit(ctx, flags, { ...r, timedOut: true, exitCode: 4 });
        if (!flags.json) ctx.output.err(ctx.output.paint.dim(`${r.phase}: ${r.message}`));
        await new Promise((res) => setTimeout(res, opts.pollMs ?? 2000));
      }
    });

  driving(common(release.command('promote')))
    .description('skip the current pause or analysis and continue (--full: go straight to the end)')
    .option('--full', 'skip every remaining pause, analysis and weight step')
    .option('--dry-run', 'print the transition and what it would do; write nothing')
    .action(async (flags: CommonFlags & { full?: boolean; dryRun?: boolean }) => {
      const { previewPromote, promoteRelease } = await import('../../release/index.js');
      const opts = { ...(await buildOptions(ctx, flags)), full: Boolean(flags.full) };
      if (flags.dryRun) return emitPreview(ctx, flags, await previewPromote(opts));
      emit(ctx, flags, await promoteRelease(opts));
    });

  driving(common(release.command('abort')))
    .description('send all traffic back to stable (in one write) and scale the new version away')
    .option('--force', 'abort even after an irreversible step')
    .option('--dry-run', 'print the transition and what it would do; write nothing')
    .action(async (flags: CommonFlags & { force?: boolean; dryRun?: boolean }) => {
      const { abortRelease, previewAbort } = await import('../../release/index.js');
      const opts = { ...(await buildOptions(ctx, flags)), force: Boolean(flags.force) };
      if (flags.dryRun) return emitPreview(ctx, flags, await previewAbort(opts));
      emit(ctx, flags, await abortRelease(opts));
    });

  common(release.command('pause'))
    .description('hold the release where it is until `resume`')
    .action(async (flags: CommonFlags) => {
      const { pauseRelease } = await import('../../release/index.js');
      emit(ctx, flags, await pauseRelease(await buildOptions(ctx, flags)));
    });

  driving(common(release.command('resume')))
    .description('continue a paused release (and any release left behind by a runner that stopped)')
    .action(async (flags: CommonFlags) => {
      const { resumeRelease } = await import('../../release/index.js');
      emit(ctx, flags, await resumeRelease(await buildOptions(ctx, flags)));
    });

  driving(common(release.command('retry')))
    .description('run an aborted release again with the same image, or re-run the current analysis')
    .action(async (flags: CommonFlags) => {
      const { retryRelease } = await import('../../release/index.js');
      emit(ctx, flags, await retryRelease(await buildOptions(ctx, flags)));
    });

  common(release.command('history'))
    .description('who started, promoted or aborted which revision, when, from which workflow run')
    .action(async (flags: CommonFlags) => {
      const { releaseHistory } = await import('../../release/index.js');
      const r = await releaseHistory(await buildOptions(ctx, flags));
      if (flags.json) ctx.output.json(versioned({ history: r.history ?? [] }));
      else {
        for (const h of r.history ?? []) {
          ctx.output.out(`${h.at}  r${h.revision}  ${h.action.padEnd(8)} ${h.who}${h.runId ? ` (run ${h.runId})` : ''}  ${h.image}  ${h.detail}`);
        }
        if (!r.history?.length) ctx.output.out(`no release history for ${flags.app}`);
      }
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
      const { continueRelease } = await import('../../release/index.js');
      const opts = await buildOptions(ctx, { ...flags, app: flags.app ?? '' });
      const apps = flags.app ? [flags.app] : Object.keys(opts.config.apps);
      if (!apps.length) throw new UsageError('no apps under release.apps in shardship.yaml');
      const interval = (await parseDuration('interval', flags.interval)) ?? 10_000;
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        for (;;) {
          let worst = 0;
          for (const app of apps) {
            // One app's trouble (an API error, a missing release) must not stop the others being driven.
            try {
              const r = await continueRelease({ ...opts, app });
              if (flags.json) ctx.output.json(versioned(r));
              else ctx.output.out(`${new Date().toISOString()} ${r.app} ${r.phase}: ${r.message}`);
            } catch (e) {
              if (e instanceof UsageError && !flags.app) continue; // no release of this app yet
              ctx.output.err(`${new Date().toISOString()} ${app}: ${(e as Error).message}`);
              worst = 1;
            }
          }
          ctx.exitCode = worst;
          if (flags.once || stop) return;
          await new Promise((res) => setTimeout(res, interval));
          if (stop) return;
        }
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
};
