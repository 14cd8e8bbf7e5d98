// `shardship build`: plan (tags, labels, args), then apply: stream a deterministic context
// to the engine, follow the build, tag, and push every tag. Fails closed on any error line.
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { CheckFailedError, ServiceError, UsageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { registerSecret } from '../core/redact.js';
import { durationMs } from '../config/common.js';
import type { ShardshipConfig } from '../config/schema.js';
import type { BuildConfig } from '../config/build.js';
import { createContextArchive } from './context.js';
import { loadDockerignore } from './dockerignore.js';
import { baseImageOf, declaredArgs } from './dockerfile-info.js';
import { planBuild, describePlan, type BuildPlan } from './plan.js';
import { StepTracker, isBuilderNoise, watchdog } from './progress.js';
import type { ContainerEngine, EngineInfo, RegistryCredentials, SourceInfo } from './types.js';

export interface BuildResult {
  imageId: string;
  /** Manifest digest in the registry (when pushed). */
  digest?: string;
  repository: string;
  tags: string[];
  references: string[];
  labels: Record<string, string>;
  contextDigest: string;
  contextBytes: number;
  contextFiles: number;
  cacheFrom: string[];
  pushed: boolean;
  engine: { endpoint: string; version: string; apiVersion: string };
  durations: { probeMs: number; buildMs: number; pushMs: number; totalMs: number };
}

export interface RunBuildOptions {
  repoDir: string;
  config: ShardshipConfig;
  engine: ContainerEngine;
  source: SourceInfo;
  push: boolean;
  output: Output;
  noCache?: boolean;
  target?: string;
  /** Extra build args (--build-arg). */
  buildArgs?: Record<string, string>;
  /** Overrides build.dockerfile (relative to the context). */
  dockerfile?: string;
  /** Finds registry credentials; given by the CLI (docker config, env). */
  credentials?: (registry: string) => Promise<RegistryCredentials | undefined>;
  /** SOURCE_DATE_EPOCH, when set, wins over the commit time. */
  sourceDateEpoch?: number;
}

export function requireBuildConfig(config: ShardshipConfig): BuildConfig {
  if (!config.build) {
    throw new UsageError('shardship.yaml has no build section', { hint: 'add `build: { repository: 127.0.0.1:5000/my-service }` to shardship.yaml' });
  }
  return config.build;
}

/** Read the Dockerfile the plan names, with a clear message when it is missing. */
export async function readDockerfile(repoDir: string, contextDir: string, dockerfile: string): Promise<{ contextAbs: string; text: string }> {
  const contextAbs = resolve(repoDir, contextDir);
  const st = await stat(contextAbs).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`build context ${contextDir} is not a directory`, { hint: 'check build.context in shardship.yaml' });
  const abs = resolve(contextAbs, dockerfile);
  if (abs !== contextAbs && !abs.startsWith(contextAbs + sep)) {
    throw new UsageError(`Dockerfile ${dockerfile} is outside the build context ${contextDir}`, { hint: 'put the Dockerfile inside build.context' });
  }
  try {
    return { contextAbs, text: await readFile(abs, 'utf8') };
  } catch {
    throw new UsageError(`Dockerfile not found: ${relative(repoDir, abs) || dockerfile}`, {
      hint: 'check build.dockerfile in shardship.yaml (relative to build.context) or pass --file',
    });
  }
}

/**
 * Secret-named build args the Dockerfile consumes (ARG): the classic builder records their
 * values in the image history, which ships with the pushed image. Refused unless
 * build.allowSecretArgs; then a warning.
 */
export function secretArgsInHistory(plan: BuildPlan, dockerfileText: string, allowed: boolean): string[] {
  const declared = declaredArgs(dockerfileText);
  const baked = plan.buildArgs.filter((a) => a.secret && declared.has(a.name)).map((a) => a.name);
  if (!baked.length) return [];
  const names = baked.join(', ');
  const what = `build arg${baked.length > 1 ? 's' : ''} ${names} ${baked.length > 1 ? 'look' : 'looks'} secret and the Dockerfile declares ARG ${names}: the builder stores build-arg values in the image history, so \`docker history\` of the pushed image shows ${baked.length > 1 ? 'them' : 'it'}`;
  const safer = 'pass it as a build secret instead (RUN --mount=type=secret,id=..., read from /run/secrets), never as a build arg';
  if (!allowed) throw new UsageError(what, { hint: `${safer}; or set build.allowSecretArgs: true in shardship.yaml to build anyway` });
  return [`${what}; ${safer}`];
}

export async function prepareBuild(opts: Omit<RunBuildOptions, 'engine' | 'output' | 'credentials'>): Promise<{ plan: BuildPlan; contextAbs: string; warnings: string[] }> {
  const build = requireBuildConfig(opts.config);
  const dockerfile = opts.dockerfile ?? build.dockerfile;
  const { contextAbs, text } = await readDockerfile(opts.repoDir, build.context, dockerfile);
  // A bad pattern is a config error before anything is sent to the engine.
  await loadDockerignore(contextAbs, relative(opts.repoDir, join(contextAbs, '.dockerignore')));
  const target = opts.target ?? build.target;
  const allArgs = { ...build.args, ...(opts.buildArgs ?? {}) };
  const baseImage = baseImageOf(text, { ...(target ? { target } : {}), buildArgs: allArgs });
  const plan = planBuild({
    config: { ...build, dockerfile },
    source: opts.source,
    ...(baseImage ? { baseImage } : {}),
    ...(target ? { target } : {}),
    ...(opts.buildArgs ? { buildArgs: opts.buildArgs } : {}),
    noCache: Boolean(opts.noCache),
    push: opts.push,
    ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
  });
  const warnings = secretArgsInHistory(plan, text, build.allowSecretArgs);
  return { plan, contextAbs, warnings };
}

export async function runBuild(opts: RunBuildOptions): Promise<BuildResult> {
  const t0 = Date.now();
  const { output } = opts;
  const build = requireBuildConfig(opts.config);
  const stallMs = durationMs(build.stallTimeout);
  // Config errors (Dockerfile, .dockerignore, build args) before the engine is asked anything.
  const { plan, contextAbs, warnings } = await prepareBuild(opts);
  for (const a of plan.buildArgs) if (a.secret) registerSecret(a.value, { anyLength: true });
  for (const w of warnings) output.err(output.paint.yellow('warning ') + w);
  const tProbe = Date.now();
  const info: EngineInfo = await opts.engine.probe();
  const probeMs = Date.now() - tProbe;
  output.err(output.paint.dim(`engine ${info.endpoint}: Docker ${info.version}, API ${info.apiVersion}`));

  for (const line of describePlan(plan)) if (!line.startsWith('label ')) output.err(output.paint.dim(line));

  const needsRegistry = plan.push || plan.cacheFrom.length > 0;
  const creds = needsRegistry && opts.credentials ? await opts.credentials(plan.repository.registry) : undefined;
  if (creds) output.err(output.paint.dim(`registry credentials for ${plan.repository.registry} from ${creds.source}`));

  const cacheFrom = await findCacheImages(opts.engine, plan.cacheFrom, creds, stallMs, output);

  // Build: stream the context while the engine reads it.
  const tBuild = Date.now();
  const archive = createContextArchive(contextAbs, { dockerfile: plan.dockerfile, mtime: plan.sourceDateEpoch });
  const controller = new AbortController();
  const tracker = new StepTracker();
  let imageId: string | undefined;
  const show = (line: string, step?: { index: number; total: number; instruction: string }) => {
    if (step) output.err(output.isTTY ? output.paint.bold(output.paint.cyan(`[${step.index}/${step.total}] ${step.instruction}`)) : line);
    else if (!output.isTTY) output.err(line);
    else if (!isBuilderNoise(line)) output.err(output.paint.dim(`  ${line}`));
  };
  const buildEvents = opts.engine.build(
    archive.stream,
    {
      dockerfile: plan.dockerfile,
      ...(plan.target ? { target: plan.target } : {}),
      buildArgs: Object.fromEntries(plan.buildArgs.map((a) => [a.name, a.value])),
      labels: plan.labels,
      noCache: plan.noCache,
      cacheFrom,
    },
    controller.signal,
  );
  try {
    for await (const ev of watchdog(buildEvents, stallMs, controller, () => `during ${tracker.describe()}`)) {
      if (ev.kind === 'output') for (const l of tracker.feed(ev.text)) show(l.line, l.step);
      else if (ev.kind === 'status') show(ev.text);
      else if (ev.kind === 'image') imageId = ev.imageId;
      else if (ev.kind === 'error') {
        for (const l of tracker.flush()) show(l.line, l.step);
        const step = tracker.current;
        const tail = step?.tail.filter((l) => !isBuilderNoise(l)).slice(-10) ?? [];
        const where = step ? `step ${step.index}/${step.total} (${step.instruction})` : 'before the first step';
        const text = `build failed at ${where}: ${ev.message}${tail.length ? `\nlast output of that step:\n${tail.map((l) => `  | ${l}`).join('\n')}` : ''}`;
        if (ev.error instanceof CheckFailedError) throw new CheckFailedError(text, { cause: ev.error });
        throw Object.assign(ev.error, { message: `${ev.error.message}\n${text.split('\n').slice(1).join('\n')}`.trimEnd() });
      }
    }
  } catch (e) {
    // Stop producing the context: the engine will not read the rest.
    archive.stream.destroy();
    throw e;
  }
  const ctx = await archive.summary;
  if (!imageId) throw new ServiceError('docker', 'the engine finished the build without reporting an image id', { hint: 'check the engine log' });
  const buildMs = Date.now() - tBuild;
  output.err(output.paint.dim(`context ${ctx.files} files, ${ctx.bytes} bytes, ${ctx.digest}`));
  output.err(`built ${imageId}`);

  for (const t of plan.tags) await opts.engine.tag(imageId, plan.repository.name, t.tag);

  // Push every tag; the engine reports the manifest digest for each (the same manifest).
  const tPush = Date.now();
  let digest: string | undefined;
  if (plan.push) {
    for (const t of plan.tags) {
      const c = new AbortController();
      let pushed: string | undefined;
      for await (const ev of watchdog(opts.engine.push(plan.repository.name, t.tag, creds, c.signal), stallMs, c, () => `while pushing ${t.tag}`)) {
        if (ev.kind === 'error') throw ev.error;
        if (ev.kind === 'pushed') pushed = ev.digest;
        else if (ev.kind === 'status' && !output.isTTY && !ev.id) output.err(ev.text);
      }
      if (!pushed) throw new ServiceError('registry', `the engine pushed ${plan.repository.name}:${t.tag} without reporting a digest`);
      if (digest && pushed !== digest) throw new CheckFailedError(`tags of one image were pushed with different digests (${digest}, ${pushed})`);
      digest = pushed;
      output.err(`pushed ${plan.repository.name}:${t.tag}`);
    }
    output.err(`digest ${digest}`);
  }
  const pushMs = Date.now() - tPush;

  return {
    imageId,
    ...(digest ? { digest } : {}),
    repository: plan.repository.name,
    tags: plan.tags.map((t) => t.tag),
    references: plan.references,
    labels: plan.labels,
    contextDigest: ctx.digest,
    contextBytes: ctx.bytes,
    contextFiles: ctx.files,
    cacheFrom,
    pushed: plan.push,
    engine: { endpoint: info.endpoint, version: info.version, apiVersion: info.apiVersion },
    durations: { probeMs, buildMs, pushMs, totalMs: Date.now() - t0 },
  };
}

/** Cache images that exist locally or can be pulled; a missing one is fine, a failing pull only warns. */
async function findCacheImages(engine: ContainerEngine, refs: string[], creds: RegistryCredentials | undefined, stallMs: number, output: Output): Promise<string[]> {
  const found: string[] = [];
  for (const ref of refs) {
    if (await engine.inspectImage(ref)) {
      found.push(ref);
      continue;
    }
    const c = new AbortController();
    const timer = setTimeout(() => c.abort(), stallMs);
    try {
      if (await engine.pull(ref, creds, c.signal)) found.push(ref);
    } catch (e) {
      output.err(output.paint.yellow(`warn `) + `no build cache from ${ref}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (found.length) output.err(output.paint.dim(`cache from ${found.join(', ')}`));
  return found;
}

