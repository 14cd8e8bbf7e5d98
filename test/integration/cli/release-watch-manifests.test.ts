// `shardship release watch --print-manifests`: the objects that run the watch loop in the
// cluster, rendered from deploy-templates/watch, applied here by kubectl of the same version
// to the real API server with strict server-side field validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { kubectlRun, sharedControlPlane, type ControlPlane } from '../../support/cluster/control-plane.js';
import { removeDir, tempDir } from '../../support/service.js';

const NS = `payments-${process.pid}`;
let plane: ControlPlane;
let dir: string;
beforeAll(async () => {
  plane = await sharedControlPlane();
  await kubectlRun(plane, ['create', 'namespace', NS]);
  dir = tempDir('watch-manifests');
  writeFileSync(join(dir, 'shardship.yaml'), `version: 1\nrelease:\n  namespace: ${NS}\n`);
});
afterAll(async () => {
  if (plane) await kubectlRun(plane, ['delete', 'namespace', NS, '--wait=false']);
  removeDir(dir);
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = memoryOutput();
  const code = await main(args, { cwd: dir, output, env: { ...process.env } });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('release watch --print-manifests', () => {
  it('prints RBAC and a Deployment for the given image in release.namespace, which kubectl applies', async () => {
    const r = await cli(['release', 'watch', '--print-manifests', '--image', 'registry.example.com/shardship@sha256:' + 'a'.repeat(64)]);
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.out).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string }; spec?: { template: { spec: { containers: { image: string }[] } } } });
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Role', 'RoleBinding', 'Deployment']));
    for (const o of objects) expect(o.metadata.namespace).toBe(NS);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec!.template.spec.containers[0]!.image).toBe('registry.example.com/shardship@sha256:' + 'a'.repeat(64));
    const file = join(dir, 'watch.yaml');
    writeFileSync(file, r.out);
    const applied = await kubectlRun(plane, ['apply', '--validate=strict', '--server-side', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/deployment\.apps\/\S+ serverside-applied/);
  });

  it('without --image: a config error naming what to set, exit 2, nothing printed', async () => {
    const r = await cli(['release', 'watch', '--print-manifests']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/SHARDSHIP_IMAGE.*needs an image/);
  });
});
