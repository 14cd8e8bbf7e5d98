import { describe, expect, it } from 'vitest';
import { BuildConfig } from '../../../pipeline/config/build.js';
import { describePlan, parseRepository, planBuild } from '../../../pipeline/build/plan.js';
import { baseImageOf } from '../../../pipeline/build/dockerfile-info.js';
import { UsageError } from '../../../pipeline/core/errors.js';

const config = BuildConfig.parse({
  repository: '127.0.0.1:5000/Team/Loan-Service',
  args: { NODE_ENV: 'production', NPM_TOKEN: 's3cr3t-value' },
  description: 'loans',
  licenses: 'MIT',
  labels: { 'com.example.team': 'payments' },
});
const source = { sha: '0123456789abcdef0123456789abcdef01234567', commitTime: 1_700_000_000, gitTags: ['v3.1.0'], branch: 'main', sourceUrl: 'https://github.com/o/loan' };

describe('planBuild', () => {
  it('computes tags, references, OCI labels and cache sources as plain data', () => {
    const plan = planBuild({ config, source, baseImage: 'debian:12-slim', push: true });
    expect(plan.repository).toEqual({ registry: '127.0.0.1:5000', path: 'team/loan-service', name: '127.0.0.1:5000/team/loan-service' });
    expect(plan.references[0]).toBe('127.0.0.1:5000/team/loan-service:3.1.0');
    expect(plan.version).toBe('3.1.0');
    expect(plan.labels).toEqual({
      'org.opencontainers.image.created': '2023-11-14T22:13:20.000Z',
      'org.opencontainers.image.revision': source.sha,
      'org.opencontainers.image.version': '3.1.0',
      'org.opencontainers.image.title': 'loan-service',
      'org.opencontainers.image.ref.name': '3.1.0',
      'org.opencontainers.image.source': 'https://github.com/o/loan',
      'org.opencontainers.image.url': 'https://github.com/o/loan',
      'org.opencontainers.image.description': 'loans',
      'org.opencontainers.image.licenses': 'MIT',
      'org.opencontainers.image.base.name': 'debian:12-slim',
      'com.example.team': 'payments',
    });
    expect(plan.cacheFrom).toEqual(['127.0.0.1:5000/team/loan-service:main']);
    expect(plan.sourceDateEpoch).toBe(1_700_000_000);
  });

  it('marks secret-looking build args and never prints their values', () => {
    const plan = planBuild({ config, source, push: false });
    expect(plan.buildArgs).toEqual([
      { name: 'NODE_ENV', value: 'production', secret: false },
      { name: 'NPM_TOKEN', value: 's3cr3t-value', secret: true },
    ]);
    const text = describePlan(plan).join('\n');
    expect(text).toContain('build-arg NPM_TOKEN=***');
    expect(text).not.toContain('s3cr3t-value');
  });

  it('takes cache from the PR image then the default branch; none with --no-cache; SOURCE_DATE_EPOCH wins', () => {
    const plan = planBuild({ config, source: { ...source, branch: undefined, pr: 7, gitTags: [] }, push: true, sourceDateEpoch: 86400 });
    expect(plan.cacheFrom).toEqual(['127.0.0.1:5000/team/loan-service:pr-7', '127.0.0.1:5000/team/loan-service:main']);
    expect(plan.labels['org.opencontainers.image.created']).toBe('1970-01-02T00:00:00.000Z');
    expect(plan.labels['org.opencontainers.image.version']).toBe('pr-7');
    expect(planBuild({ config, source, push: true, noCache: true }).cacheFrom).toEqual([]);
  });

  it('parses repositories like Docker, and refuses a tag or digest in build.repository', () => {
    expect(parseRepository('loan')).toMatchObject({ registry: 'docker.io', path: 'library/loan' });
    expect(parseRepository('localhost/x/y')).toMatchObject({ registry: 'localhost', path: 'x/y' });
    expect(() => parseRepository('127.0.0.1:5000/loan:v1')).toThrow(UsageError);
    expect(() => parseRepository('loan@sha256:abc')).toThrow(UsageError);
    expect(() => parseRepository('127.0.0.1:5000/bad//name')).toThrow(/not a valid image repository/);
  });

  it('finds the base image of the target or final stage through stage aliases and ARGs', () => {
    const df = 'ARG V=12\nFROM debian:${V}-slim AS base\nFROM node:20 AS build\nFROM base AS final\nFROM scratch AS tiny\n';
    expect(baseImageOf(df)).toBe('scratch');
    expect(baseImageOf(df, { target: 'final' })).toBe('debian:12-slim');
    expect(baseImageOf(df, { target: 'final', buildArgs: { V: '13' } })).toBe('debian:13-slim');
    expect(baseImageOf(df, { target: 'build' })).toBe('node:20');
  });
});
