import { describe, expect, it } from 'vitest';
import { checkReplicaWeights, reachableWeights, resolveSpec } from '../../../pipeline/release/spec.js';
import { ConfigError, UsageError } from '../../../pipeline/core/errors.js';
import { parseConfig } from '../../../pipeline/config/load.js';
import type { Step } from '../../../pipeline/release/types.js';
import { config } from './fixtures.js';

const weights = (...ws: number[]): Step[] => ws.map((weight) => ({ kind: 'setWeight', weight }));

describe('service router: which weights can the replica count reach?', () => {
  it('lists reachable weights', () => {
    expect(reachableWeights(2)).toEqual([0, 50, 100]);
    expect(reachableWeights(4)).toEqual([0, 25, 50, 75, 100]);
  });

  it('refuses a 70% step on 2 replicas instead of silently giving 50%', () => {
    const c = checkReplicaWeights(weights(70), 2, false);
    expect(c.ok).toBe(false);
    expect(c.message).toBe('the service router sends traffic by replica count and 2 replicas can only reach 0, 50, 100%: step 1 setWeight 70% would really get 50%');
  });

  it('with scaleUp picks the smallest replica count that reaches every weight', () => {
    const c = checkReplicaWeights(weights(20, 50), 4, true);
    expect(c).toMatchObject({ ok: true, replicas: 10 });
    expect(c.message).toMatch(/^scaling to 10 replicas: 4 can only reach 0, 25, 50, 75, 100%/);
    expect(checkReplicaWeights(weights(25, 50, 75), 4, false)).toMatchObject({ ok: true, replicas: 4 });
  });
});

describe('resolveSpec', () => {
  it('names unknown apps and the known ones', () => {
    expect(() => resolveSpec(config({}), 'nope')).toThrow(UsageError);
    expect(() => resolveSpec(config({}), 'nope')).toThrow(/no app "nope"/);
  });

  it('refuses analysis templates that are not defined', () => {
    try {
      resolveSpec(config({ strategy: { canary: { steps: [{ analysis: { templates: ['missing'] } }] } } }), 'web');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0]).toMatchObject({ message: 'analysis template "missing" is not defined' });
    }
  });

  it('refuses gray releases on the service router (no request matching there)', () => {
    expect(() => resolveSpec(config({ strategy: { gray: { cohorts: [{ header: { name: 'x-gray', value: 'true' } }] } } }), 'web')).toThrow(/cannot route cohorts/);
  });

  it('picks --strategy among the configured ones and accepts blue-green spelled with a dash', () => {
    const cfg = config({ router: { istio: {} }, strategy: { canary: {}, blueGreen: {} } });
    expect(resolveSpec(cfg, 'web').strategy).toBe('canary');
    expect(resolveSpec(cfg, 'web', 'blue-green').strategy).toBe('blueGreen');
    expect(() => resolveSpec(cfg, 'web', 'rainbow')).toThrow(/unknown strategy/);
  });

  it('reads a full release section from shardship.yaml with positions on mistakes', () => {
    const yaml = [
      'version: 1',
      'release:',
      '  namespace: shop',
      '  analysis:',
      '    errors:',
      '      interval: 30s',
      '      prometheus: { addressEnv: PROM_URL, query: "sum(rate(x[1m]))", successCondition: "result < 0.05" }',
      '  apps:',
      '    web:',
      '      replicas: 4',
      '      router: { istio: { mode: patch, virtualService: edge, route: web } }',
      '      strategy:',
      '        canary:',
      '          steps:',
      '            - setWeight: 20',
      '            - pause: {}',
      '            - analysis: { templates: [errors] }',
      '            - setWeight: 60',
      '              irreversible: true',
    ].join('\n');
    const cfg = parseConfig('shardship.yaml', yaml);
    const spec = resolveSpec(cfg.release!, 'web');
    expect(spec.routerConfig).toEqual({ kind: 'istio', virtualService: 'edge', route: 'web', mode: 'patch', hosts: ['web'] });
    expect(() => parseConfig('shardship.yaml', yaml.replace('setWeight: 60', 'setWeight: 160'))).toThrow(ConfigError);
  });
});
