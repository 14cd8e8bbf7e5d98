// shardship.yaml: any text gives a config or an error naming the file, never anything else.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from '../../pipeline/config/load.js';
import { ConfigError } from '../../pipeline/core/errors.js';
import { HOSTILE_CHARS, runs } from './settings.js';

function outcome(text: string): 'ok' | 'config-error' {
  try {
    parseConfig('shardship.yaml', text);
    return 'ok';
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) if (p.position) expect(p.position.file).toBe('shardship.yaml');
      return 'config-error';
    }
    throw e;
  }
}

const hostileText = fc.array(fc.constantFrom(...HOSTILE_CHARS, '&a ', '*a', '\n  ', ': ', '- ', 'version: 1\n', '!!binary ', '? ', '|\n', '>-\n', '0x1', '1e400', '.inf', '.nan', 'null', '~'), { maxLength: 60 }).map((xs) => xs.join(''));

/** Plausible documents: the real keys with random values. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double(),
    fc.constantFrom(Infinity, -Infinity, Number.NaN, 2 ** 53 + 1, -0),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('kind', 'dsnEnv', 'concurrency', 'steps', 'setWeight', 'pause', 'duration', 'port', 'replicas', 'x'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const section = fc.record(
  {
    version: fc.oneof(fc.constant(1), value),
    gate: fc.dictionary(fc.constantFrom('rules', 'commit', 'diff', 'code', 'baseline'), value, { maxKeys: 3 }),
    migrate: fc.dictionary(fc.constantFrom('directory', 'environments', 'concurrency', 'nodeConcurrency', 'lockWaitTimeout', 'lockRetries', 'rules'), value, { maxKeys: 3 }),
    release: fc.dictionary(fc.constantFrom('namespace', 'analysis', 'apps', 'templates'), value, { maxKeys: 2 }),
    build: fc.dictionary(fc.constantFrom('repository', 'args', 'stallTimeout', 'allowSecretArgs', 'context'), value, { maxKeys: 3 }),
    timeouts: fc.dictionary(fc.constantFrom('github', 'kubernetes', 'mysqlQuery', 'http'), value, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

describe('shardship.yaml under fuzzing', () => {
  it('random text: a config or a ConfigError, never another exception', () => {
    fc.assert(fc.property(hostileText, (t) => void outcome(t)), runs(400));
  });

  it('documents with the real keys and random values: every problem has a path or a position and a message', () => {
    fc.assert(
      fc.property(section, (doc) => {
        try {
          parseConfig('shardship.yaml', stringify(doc));
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          for (const p of e.problems) {
            expect(p.message).not.toMatch(/expected number, received number/);
            // A bare "Invalid input" (a union none of whose shapes fit) must come with a hint.
            if (p.message === 'Invalid input') expect(p.hint).toBeTruthy();
            expect(p.path || p.position).toBeTruthy();
          }
        }
      }),
      runs(300),
    );
  });

  it('every number error names the allowed range', () => {
    const keys = ['concurrency', 'nodeConcurrency', 'lockRetries'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.oneof(fc.double(), fc.constantFrom(Infinity, -Infinity, Number.NaN, 0.5, -1, 1e9)), (key, n) => {
        const text = `version: 1\nmigrate:\n  ${key}: ${Number.isNaN(n) ? '.nan' : n === Infinity ? '.inf' : n === -Infinity ? '-.inf' : String(n)}\n`;
        try {
          parseConfig('shardship.yaml', text);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.problems[0]!.message).toMatch(/from \d+ to \d+/);
        }
      }),
      runs(200),
    );
  });
});
