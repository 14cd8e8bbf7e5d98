// A test file's own namespace on the shared control plane: created before its tests, deleted
// after (the namespace controller finishes that in the background).
import { afterAll, beforeAll } from 'vitest';
import { kubectlRun, sharedControlPlane, type ControlPlane } from './control-plane.js';

export interface TestNamespace {
  /** Set once beforeAll has run. */
  plane: ControlPlane;
  name: string;
  /** kubectl as admin; throws with kubectl's stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
}

export function useTestNamespace(prefix: string): TestNamespace {
  const ns = {
    name: `${prefix}-${process.pid}`,
    kubectl: async (args: string[], input?: string) => {
      const r = await kubectlRun(ns.plane, args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  } as TestNamespace;
  beforeAll(async () => {
    ns.plane = await sharedControlPlane();
    await ns.kubectl(['create', 'namespace', ns.name]);
  });
  afterAll(async () => {
    if (ns.plane) await kubectlRun(ns.plane, ['delete', 'namespace', ns.name, '--wait=false']);
  });
  return ns;
}
