// Plan a build as plain data: which tags, which OCI labels, which build args, which cache
// image. Pure, so `--dry-run` and unit tests see exactly what would be built and pushed.
import { UsageError } from '../core/errors.js';
import { looksSecretName } from '../core/redact.js';
import type { BuildConfig } from '../config/build.js';
import { computeTags, highestSemver, type PlannedTag } from './tags.js';
import type { SourceInfo } from './types.js';

export interface ImageRepository {
  /** Registry host (with port), e.g. 127.0.0.1:5000 or docker.io. */
  registry: string;
  /** Path inside the registry, e.g. team/loan-service. */
  path: string;
  /** As given to the engine, e.g. 127.0.0.1:5000/team/loan-service. */
  name: string;
}

/** Split `host[:port]/path` the way Docker does: the first part is a registry when it has a dot, a port or is localhost. */
export function parseRepository(text: string): ImageRepository {
  const name = text.trim().toLowerCase();
  const first = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? name.slice(first.length + 1) : name;
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  if (path.includes(':') || path.includes('@')) {
    throw new UsageError(`build.repository "${text}" must be a repository without a tag or digest`, {
      hint: 'e.g. 127.0.0.1:5000/loan-service; tags are computed from the commit',
    });
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    throw new UsageError(`build.repository "${text}" is not a valid image repository name`, { hint: 'use lowercase letters, digits and . _ - separated by /' });
  }
  return { registry, path, name };
}

export interface PlannedBuildArg {
  name: string;
  value: string;
  /** Secret-looking names are never printed. */
  secret: boolean;
}

export interface BuildPlan {
  repository: ImageRepository;
  tags: PlannedTag[];
  /** repository:tag for every tag. */
  references: string[];
  /** The image version (first tag by priority), as in the version label. */
  version: string;
  labels: Record<string, string>;
  buildArgs: PlannedBuildArg[];
  contextDir: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  target?: string;
  noCache: boolean;
  /** Previous images of this branch (and the default branch) to take cache from, when present. */
  cacheFrom: string[];
  push: boolean;
  /** Commit time: context mtimes and the created label. */
  sourceDateEpoch: number;
}

export interface PlanInput {
  config: BuildConfig;
  source: SourceInfo;
  /** Final stage's base image (from the Dockerfile), for base.name. */
  baseImage?: string;
  target?: string;
  /** Extra --build-arg values from the command line, on top of config. */
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  push: boolean;
  /** SOURCE_DATE_EPOCH overrides the commit time, as reproducible-builds.org defines it. */
  sourceDateEpoch?: number;
}

const OCI = 'org.opencontainers.image';

export function planBuild(input: PlanInput): BuildPlan {
  const { config, source } = input;
  const repository = parseRepository(config.repository);
  const tags = computeTags(source, config.defaultBranch);
  const version = tags.find((t) => t.kind !== 'latest')?.tag ?? `sha-${source.sha.slice(0, 7)}`;
  const epoch = input.sourceDateEpoch ?? source.commitTime;
  const target = input.target ?? config.target;
  const semver = highestSemver(source.gitTags);

  const labels: Record<string, string> = {
    [`${OCI}.created`]: new Date(epoch * 1000).toISOString(),
    [`${OCI}.revision`]: source.sha,
    [`${OCI}.version`]: semver ? semver.version : version,
    [`${OCI}.title`]: config.title ?? repository.path.split('/').at(-1)!,
    [`${OCI}.ref.name`]: version,
  };
  if (source.sourceUrl) labels[`${OCI}.source`] = source.sourceUrl;
  const url = config.url ?? source.sourceUrl;
  if (url) labels[`${OCI}.url`] = url;
  if (config.description) labels[`${OCI}.description`] = config.description;
  if (config.licenses) labels[`${OCI}.licenses`] = config.licenses;
  if (input.baseImage) labels[`${OCI}.base.name`] = input.baseImage;
  // Labels written in shardship.yaml win, as custom labels do in metadata-action.
  Object.assign(labels, config.labels);

  const args = { ...config.args, ...(input.buildArgs ?? {}) };
  const buildArgs = Object.keys(args)
    .sort()
    .map((name) => ({ name, value: args[name]!, secret: looksSecretName(name) }));

  const cacheFrom: string[] = [];
  if (!input.noCache && config.cacheFrom) {
    const own = tags.find((t) => t.kind === 'branch' || t.kind === 'pr');
    if (own) cacheFrom.push(`${repository.name}:${own.tag}`);
    const main = `${repository.name}:${sanitizeBranch(config.defaultBranch)}`;
    if (!cacheFrom.includes(main)) cacheFrom.push(main);
  }

  return {
    repository,
    tags,
    references: tags.map((t) => `${repository.name}:${t.tag}`),
    version,
    labels,
    buildArgs,
    contextDir: config.context,
    dockerfile: config.dockerfile,
    ...(target ? { target } : {}),
    noCache: Boolean(input.noCache),
    cacheFrom,
    push: input.push,
    sourceDateEpoch: epoch,
  };
}

function sanitizeBranch(b: string): string {
  return computeTags({ sha: '0000000', commitTime: 0, gitTags: [], branch: b }, '').find((t) => t.kind === 'branch')?.tag ?? b;
}

/** Lines describing the plan for people; secret build-arg values are masked. */
export function describePlan(plan: BuildPlan): string[] {
  const lines = [
    `image ${plan.repository.name}`,
    `tags ${plan.tags.map((t) => t.tag).join(', ')}`,
    `dockerfile ${plan.dockerfile}${plan.target ? ` (target ${plan.target})` : ''}, context ${plan.contextDir}`,
  ];
  for (const a of plan.buildArgs) lines.push(`build-arg ${a.name}=${a.secret ? '***' : a.value}`);
  if (plan.noCache) lines.push('cache: off (--no-cache)');
  else if (plan.cacheFrom.length) lines.push(`cache from ${plan.cacheFrom.join(', ')} when present`);
  for (const [k, v] of Object.entries(plan.labels)) lines.push(`label ${k}=${v}`);
  lines.push(plan.push ? 'push: yes' : 'push: no');
  return lines;
}
