import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { dockerfilePolicies, dockerfileRules } from '../../../../rules/dockerfile/index.js';
import { allRules } from '../../../../rules/index.js';
import { lintDockerfile, parseDockerfile, type DockerfilePolicy } from '../../../../rules/dockerfile/policy.js';
import { baseImageTag } from '../../../../rules/dockerfile/base-image-tag.js';
import { baseImageDigest } from '../../../../rules/dockerfile/base-image-digest.js';
import { nonRootUser } from '../../../../rules/dockerfile/non-root-user.js';
import { noSecretValues } from '../../../../rules/dockerfile/no-secret-values.js';
import { copyNotAdd } from '../../../../rules/dockerfile/copy-not-add.js';
import { packageCache } from '../../../../rules/dockerfile/package-cache.js';
import { healthcheck } from '../../../../rules/dockerfile/healthcheck.js';

const run = (policy: DockerfilePolicy, lines: string[]) => policy.check(parseDockerfile('Dockerfile', lines.join('\n') + '\n'));

/** A Dockerfile that every policy accepts. */
const GOOD = [
  'ARG BASE=debian:12.5-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'FROM node:20.11-alpine@sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd AS build',
  'RUN npm ci',
  'FROM ${BASE}',
  'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*',
  'COPY --from=build /app /app',
  'ADD vendor.tar.gz /opt/',
  'ENV NODE_ENV=production API_TOKEN=$API_TOKEN',
  'HEALTHCHECK CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1',
  'USER 10001',
];

describe('dockerfile policy catalogue', () => {
  it('registers every policy file, in the group and in the one registry', () => {
    const files = readdirSync(new URL('../../../../rules/dockerfile/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'policy.ts');
    expect(files.map((f) => `dockerfile/${f.replace(/\.ts$/, '')}`).sort()).toEqual(dockerfilePolicies.map((p) => p.id).sort());
    expect(dockerfileRules.map((r) => r.id)).toEqual(dockerfilePolicies.map((p) => p.id));
    for (const r of dockerfileRules) {
      expect(r.group).toBe('dockerfile');
      expect(r.description.length).toBeGreaterThan(10);
      expect(allRules).toContain(r);
    }
  });

  it('accepts a well-kept multi-stage Dockerfile', () => {
    expect(lintDockerfile('Dockerfile', GOOD.join('\n'), dockerfilePolicies)).toEqual([]);
  });
});

describe('dockerfile/base-image-tag', () => {
  it('flags latest and untagged bases with their line', () => {
    const f = run(baseImageTag, ['FROM debian:latest', 'FROM alpine AS x', 'FROM registry.example.com:5000/team/base', 'FROM x', 'FROM scratch']);
    expect(f.map((x) => x.line)).toEqual([1, 2, 3]);
    expect(f[0]!.message).toContain('tagged latest');
    expect(f[2]!.message).toContain('registry.example.com:5000/team/base is untagged');
  });
  it('accepts a version tag, a digest, a stage reference and scratch', () => {
    expect(run(baseImageTag, ['FROM debian:12-slim AS a', 'FROM alpine@sha256:' + 'a'.repeat(64), 'FROM a', 'FROM scratch'])).toEqual([]);
  });
  it('resolves ARG defaults in FROM', () => {
    expect(run(baseImageTag, ['ARG BASE=debian', 'FROM ${BASE}'])).toHaveLength(1);
    expect(run(baseImageTag, ['ARG V=12', 'FROM debian:${V}'])).toEqual([]);
  });
});

describe('dockerfile/base-image-digest', () => {
  it('recommends a digest pin as a warning', () => {
    expect(baseImageDigest.defaultSeverity).toBe('warn');
    expect(run(baseImageDigest, ['FROM debian:12-slim'])[0]!.message).toContain('not pinned by digest');
  });
  it('accepts pinned bases and scratch', () => {
    expect(run(baseImageDigest, ['FROM debian:12@sha256:' + 'b'.repeat(64), 'FROM scratch'])).toEqual([]);
  });
});

describe('dockerfile/non-root-user', () => {
  it('flags a final stage without USER, or with USER root / 0', () => {
    expect(run(nonRootUser, ['FROM debian:12', 'RUN true'])[0]).toMatchObject({ line: 1, message: expect.stringContaining('no USER') });
    expect(run(nonRootUser, ['FROM debian:12', 'USER app', 'USER root'])[0]).toMatchObject({ line: 3 });
    expect(run(nonRootUser, ['FROM debian:12', 'USER 0:0'])).toHaveLength(1);
  });
  it('accepts a non-root final user, also inherited from the stage it builds on; a builder stage may be root', () => {
    expect(run(nonRootUser, ['FROM debian:12 AS build', 'USER root', 'FROM debian:12', 'USER 10001'])).toEqual([]);
    expect(run(nonRootUser, ['FROM debian:12 AS base', 'USER app', 'FROM base', 'COPY x /x'])).toEqual([]);
  });
});

describe('dockerfile/no-secret-values', () => {
  it('flags literal values under secret names and credential-shaped values, without printing them', () => {
    const f = run(noSecretValues, ['FROM debian:12', 'ENV DB_PASSWORD=hunter22 MODE=prod', 'ARG GITHUB_TOKEN=abc123', 'ENV CLOUD_KEY_ID=AKIAABCDEFGHIJKLMNOP']);
    expect(f.map((x) => x.line)).toEqual([2, 3, 4]);
    expect(f.map((x) => x.message).join('\n')).not.toMatch(/hunter22|abc123|AKIAABCDEFGHIJKLMNOP/);
  });
  it('accepts ARGs without defaults, references and ordinary values', () => {
    expect(run(noSecretValues, ['FROM debian:12', 'ARG NPM_TOKEN', 'ENV NPM_TOKEN=$NPM_TOKEN', 'ENV PORT=8080'])).toEqual([]);
  });
});

describe('dockerfile/copy-not-add', () => {
  it('flags ADD of local files', () => {
    const f = run(copyNotAdd, ['FROM debian:12', 'ADD app.js config/ /app/']);
    expect(f[0]).toMatchObject({ line: 2, hint: 'write COPY app.js config/ /app/' });
  });
  it('accepts ADD of URLs and local archives, and COPY', () => {
    expect(run(copyNotAdd, ['FROM debian:12', 'ADD https://example.com/x.bin /x', 'ADD rootfs.tar.xz /', 'COPY a /a'])).toEqual([]);
  });
});

describe('dockerfile/package-cache', () => {
  it('flags installs that leave their cache in a shipped layer', () => {
    const f = run(packageCache, [
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y curl',
      'RUN apk add curl',
      'RUN yum install -y git',
      'RUN pip install flask',
      'RUN npm ci',
      'RUN rm -rf /var/lib/apt/lists/*',
    ]);
    expect(f.map((x) => [x.line, x.message.split(' ')[0]])).toEqual([
      [2, 'apt-get'],
      [3, 'apk'],
      [4, 'yum/dnf'],
      [5, 'pip'],
      [6, 'npm'],
    ]);
  });
  it('accepts cleanup in the same RUN, --no-cache flags, cache mounts and builder stages', () => {
    expect(
      run(packageCache, [
        'FROM node:20 AS build',
        'RUN npm ci',
        'FROM debian:12',
        'RUN apt-get update \\',
        '    && apt-get install -y curl \\',
        '    && rm -rf /var/lib/apt/lists/*',
        'RUN apk add --no-cache curl',
        'RUN dnf install -y git && dnf clean all',
        'RUN pip3 install --no-cache-dir flask',
        'RUN npm ci; npm cache clean --force',
        'RUN --mount=type=cache,target=/root/.npm npm ci',
      ]),
    ).toEqual([]);
  });
});

describe('dockerfile/healthcheck', () => {
  it('flags a missing HEALTHCHECK and HEALTHCHECK NONE', () => {
    expect(run(healthcheck, ['FROM debian:12', 'USER 1'])[0]).toMatchObject({ line: 1, message: 'no HEALTHCHECK and no documented probe' });
    expect(run(healthcheck, ['FROM debian:12', 'HEALTHCHECK NONE'])[0]!.line).toBe(2);
  });
  it('accepts a HEALTHCHECK, or a documented probe comment', () => {
    expect(run(healthcheck, ['FROM debian:12', 'HEALTHCHECK --interval=10s CMD ["/bin/probe"]'])).toEqual([]);
    expect(run(healthcheck, ['# probe: httpGet /healthz on 8080 (deploy-templates/app)', 'FROM debian:12'])).toEqual([]);
    expect(run(healthcheck, ['# probe:', 'FROM debian:12'])).toHaveLength(1);
  });
});
