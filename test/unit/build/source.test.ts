import { describe, expect, it } from 'vitest';
import { sourceFromRefs, webUrlOfRemote } from '../../../pipeline/build/source.js';
import { resolveEndpoint } from '../../../pipeline/docker/engine.js';
import { translateRegistryError } from '../../../pipeline/docker/errors.js';

describe('build source', () => {
  it('turns remotes into web URLs without credentials', () => {
    expect(webUrlOfRemote('git@github.com:acme/loan.git')).toBe('https://github.com/acme/loan');
    expect(webUrlOfRemote('https://x-access-token:ghs_secret@github.com/acme/loan.git')).toBe('https://github.com/acme/loan');
    expect(webUrlOfRemote('/srv/git/loan.git')).toBeUndefined();
  });
  it('decides branch / PR from flags, then GITHUB_REF, then the checkout', () => {
    expect(sourceFromRefs({ ref: 'refs/pull/12/merge', localBranch: 'x' })).toEqual({ pr: 12, ref: 'refs/pull/12/merge' });
    expect(sourceFromRefs({ ref: 'refs/heads/release/2', localBranch: 'x' })).toEqual({ branch: 'release/2', ref: 'refs/heads/release/2' });
    expect(sourceFromRefs({ ref: 'refs/tags/v1.0.0' })).toEqual({ ref: 'refs/tags/v1.0.0' });
    expect(sourceFromRefs({ localBranch: 'dev' })).toEqual({ branch: 'dev', ref: 'refs/heads/dev' });
    expect(sourceFromRefs({ ref: 'refs/heads/main', branch: 'hotfix' })).toMatchObject({ branch: 'hotfix' });
  });
});

describe('docker adapter translation', () => {
  it('reads DOCKER_HOST', () => {
    expect(resolveEndpoint({}).options).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: 'unix:///tmp/d.sock' }).options).toEqual({ socketPath: '/tmp/d.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }).options).toMatchObject({ host: '10.0.0.1', port: 2375, protocol: 'http' });
    expect(() => resolveEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toThrow(/not a unix:\/\/ or tcp:\/\//);
  });
  it('turns registry messages into clear errors with hints', () => {
    expect(translateRegistryError('r:5000', 'unauthorized: authentication required', true).message).toBe('registry: r:5000 refused the credentials (401 unauthorized)');
    expect(translateRegistryError('r:5000', 'no basic auth credentials', false).hint).toContain('docker login r:5000');
    expect(translateRegistryError('r:5000', 'Get "http://r:5000/v2/": dial tcp: connection refused', false).message).toContain('cannot reach registry r:5000');
    expect(translateRegistryError('r:5000', 'http: server gave HTTP response to HTTPS client', false).hint).toContain('insecure-registries');
  });
});
