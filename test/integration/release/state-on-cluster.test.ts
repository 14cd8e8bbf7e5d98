// The release state ConfigMap on the real API server: what the writer stores the reader reads
// back unchanged; a state a newer shardship wrote, or a corrupt one (put there with kubectl,
// as a person or another tool would), is refused naming the ConfigMap and the fix, by the
// reader and by `shardship release status` (exit 2), never misread or crashed on.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { StoredStateError } from '../../../pipeline/release/state-schema.js';
import { readState, STATE_KEY, stateConfigMapName, writeState } from '../../../pipeline/release/state.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { removeDir, tempDir } from '../../support/service.js';
import { specFor, stateFor } from '../../unit/release/fixtures.js';

const ns = useTestNamespace('state');
const dir = tempDir('state-on-cluster');
afterAll(() => removeDir(dir));

async function putState(app: string, text: string): Promise<void> {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: stateConfigMapName(app), namespace: ns.name }, data: { [STATE_KEY]: text } };
  await ns.kubectl(['apply', '-f', '-'], stringify(cm));
}

async function status(app: string): Promise<{ code: number; err: string }> {
  writeFileSync(join(dir, 'shardship.yaml'), `version: 1\nrelease:\n  namespace: ${ns.name}\n  apps:\n    ${app}: {}\n`);
  const output = memoryOutput();
  const code = await main(['release', 'status', '--app', app, '--kubeconfig', ns.plane.kubeconfigPath], { cwd: dir, env: {}, output });
  return { code, err: output.stderr.join('\n') };
}

describe('the release state ConfigMap on a real API server', () => {
  it('what writeState stores, readState reads back field for field', async () => {
    const cluster = connectCluster({ kubeconfigPath: ns.plane.kubeconfigPath });
    const { spec, cfg } = specFor({ router: { istio: {} }, strategy: { gray: { cohorts: [{ cookie: { name: 'gray', value: '1' } }] } } });
    const state = stateFor(cfg, spec, {
      namespace: ns.name,
      analysis: [{ stepIndex: 1, attempt: 0, template: 'errors', outcome: 'Failed', measurements: [{ at: 't', outcome: 'Failed', value: 0.2, message: 'high' }], message: '1 failed' }],
      history: [{ who: 'ada', at: 't', revision: 2, action: 'start', image: 'web:2', detail: 'gray' }],
    });
    const rv = await writeState(cluster, state, undefined);
    const read = await readState(cluster, ns.name, 'web');
    expect(read.resourceVersion).toBe(rv);
    expect(read.state).toEqual(state);
  });

  it('a state written by a newer shardship is refused with "upgrade", by the reader and by `release status`', async () => {
    const { spec, cfg } = specFor({});
    await putState('newer', JSON.stringify({ ...stateFor(cfg, spec, { app: 'newer', namespace: ns.name }), version: 2, lanes: ['a'] }));
    const cluster = connectCluster({ kubeconfigPath: ns.plane.kubeconfigPath });
    const where = `release state ConfigMap ${ns.name}/shardship-release-newer (key state.json)`;
    await expect(readState(cluster, ns.name, 'newer')).rejects.toThrow(StoredStateError);
    await expect(readState(cluster, ns.name, 'newer')).rejects.toThrow(`${where} has state version 2, written by a newer shardship; this shardship reads state version 1`);
    const r = await status('newer');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`${where} has state version 2, written by a newer shardship`);
    expect(r.err).toContain('upgrade shardship');
  });

  it('a corrupt state is refused naming the ConfigMap, the field and how to inspect or clear it', async () => {
    const { spec, cfg } = specFor({});
    const { phase: _, ...noPhase } = stateFor(cfg, spec, { app: 'broken', namespace: ns.name });
    await putState('broken', JSON.stringify(noPhase));
    const r = await status('broken');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`release state ConfigMap ${ns.name}/shardship-release-broken (key state.json) is corrupt (state version 1): phase: `);
    expect(r.err).toContain(`kubectl get configmap -n ${ns.name} shardship-release-broken -o yaml`);

    await putState('garbled', '{"version": 1, "app": "garb');
    const g = await status('garbled');
    expect(g.code, g.err).toBe(2);
    expect(g.err).toContain(`release state ConfigMap ${ns.name}/shardship-release-garbled (key state.json) is not JSON: `);
  });
});
