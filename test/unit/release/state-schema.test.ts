// The stored release state is parsed, not cast: its version is checked first (a newer
// shardship's state is refused with "upgrade"), then every field (a corrupt one names the
// ConfigMap and the field). Plain objects; the real ConfigMap round trip is in
// test/integration/release/state-on-cluster.test.ts.
import { describe, expect, it } from 'vitest';
import { parseStoredState, STATE_VERSION, StoredStateError, storedStateText } from '../../../pipeline/release/state-schema.js';
import { ExitCode } from '../../../pipeline/core/errors.js';
import { specFor, stateFor } from './fixtures.js';

const at = { namespace: 'shop', name: 'shardship-release-web', key: 'state.json' };
const where = 'release state ConfigMap shop/shardship-release-web (key state.json)';

function gray() {
  const { spec, cfg } = specFor({ router: { istio: {} }, strategy: { gray: { cohorts: [{ header: { name: 'x-gray', value: '1' } }, { hashPercent: { header: 'x-user', percent: 5 } }] } } });
  return stateFor(cfg, spec, {
    confirmed: { weights: { stable: 100, canary: 0 }, cohorts: [], cohortTrack: 'canary' },
    analysis: [{ stepIndex: 1, attempt: 0, template: 'errors', outcome: 'Successful', measurements: [{ at: 't', outcome: 'Successful', value: 0.01, message: 'ok' }], message: '1 ok' }],
    analysisProgress: { stepIndex: 2, attempt: 1, template: 'errors', measurements: [{ at: 't', outcome: 'Inconclusive', message: 'no data' }] },
    userPaused: { who: 'ada', at: 't', runId: '7', workflow: 'release' },
    abort: { reason: 'errors', by: { who: 'bob', at: 't' }, stableScaledUp: true },
    history: [{ who: 'ada', at: 't', revision: 2, action: 'start', image: 'web:2', detail: 'canary' }],
  });
}

function refusal(text: string): StoredStateError {
  try {
    parseStoredState(text, at);
  } catch (e) {
    expect(e).toBeInstanceOf(StoredStateError);
    return e as StoredStateError;
  }
  throw new Error('the state was accepted');
}

describe('stored release state', () => {
  it('round-trips every field the writer stores, for every strategy', () => {
    for (const app of [{}, { strategy: { blueGreen: {} } }]) {
      const { spec, cfg } = specFor(app);
      const state = stateFor(cfg, spec);
      expect(parseStoredState(storedStateText(state), at)).toEqual(state);
    }
    const g = gray();
    expect(parseStoredState(storedStateText(g), at)).toEqual(g);
  });

  it('reads a measurement whose value JSON stored as null (a NaN answer) as having no value', () => {
    const s = gray();
    s.analysis[0]!.measurements[0]!.value = Number.NaN;
    const read = parseStoredState(storedStateText(s), at);
    expect(read.analysis[0]!.measurements[0]).toEqual({ at: 't', outcome: 'Successful', message: 'ok' });
  });

  it('refuses a state written by a newer shardship: names the ConfigMap, both versions and says to upgrade', () => {
    const e = refusal(JSON.stringify({ ...gray(), version: STATE_VERSION + 1, newField: { x: 1 } }));
    expect(e.message).toBe(`${where} has state version ${STATE_VERSION + 1}, written by a newer shardship; this shardship reads state version ${STATE_VERSION}`);
    expect(e.hint).toMatch(/^upgrade shardship/);
    expect(e.exitCode).toBe(ExitCode.Usage);
  });

  it('refuses an unknown or missing version as corrupt, with how to inspect and clear it', () => {
    const { version: _, ...noVersion } = gray();
    expect(refusal(JSON.stringify(noVersion)).message).toBe(`${where} has no state version`);
    expect(refusal(JSON.stringify({ ...gray(), version: 0 })).message).toBe(`${where} has an unknown state version 0`);
    expect(refusal(JSON.stringify({ ...gray(), version: '1' })).message).toBe(`${where} has an unknown state version "1"`);
    expect(refusal(JSON.stringify({ ...gray(), version: 1.5 })).message).toBe(`${where} has an unknown state version 1.5`);
    expect(refusal('[1]').message).toBe(`${where} has no state version`);
    const e = refusal('{"version": 1,');
    expect(e.message).toMatch(new RegExp(`^${where.replace(/[()]/g, '\\$&')} is not JSON: `));
    expect(e.hint).toBe(
      'inspect it with `kubectl get configmap -n shop shardship-release-web -o yaml`; restore it from a backup, or delete that ConfigMap to forget the release under way (its Deployments and routes stay as they are)',
    );
  });

  it('refuses a corrupt state of this version naming the first bad field', () => {
    const { phase: _, ...noPhase } = gray();
    expect(refusal(JSON.stringify(noPhase)).message).toMatch(new RegExp(`is corrupt \\(state version 1\\): phase: `));
    const badStep = gray();
    (badStep.steps[1] as { kind: string }).kind = 'teleport';
    expect(refusal(JSON.stringify(badStep)).message).toMatch(/is corrupt \(state version 1\): steps\.1\.kind: /);
    const badWeight = { ...gray(), desired: { weights: { stable: 'all' }, cohorts: [] } };
    expect(refusal(JSON.stringify(badWeight)).message).toMatch(/is corrupt \(state version 1\): desired\.weights\.stable: /);
    expect(refusal(JSON.stringify({ ...gray(), history: [{ who: 'x' }] })).message).toMatch(/history\.0\.at: /);
  });

  it('the writer refuses to store a state the reader would refuse', () => {
    const s = { ...gray(), phase: 'Sideways' } as unknown as Parameters<typeof storedStateText>[0];
    expect(() => storedStateText(s)).toThrow(/^internal error: refusing to store an invalid release state for shop\/web: phase: /);
  });
});
