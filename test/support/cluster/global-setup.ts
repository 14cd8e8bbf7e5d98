// vitest global set-up: the shared control plane is started lazily by the first test file
// that needs it (sharedControlPlane); at the end of the run, stop it if this run started it,
// so CI leaves nothing running and a developer's own `npm run cluster:up` is left alone.
import { healthy, readState, stopSharedControlPlane } from './control-plane.js';

let runningBefore = false;

export async function setup(): Promise<void> {
  const s = readState();
  runningBefore = s !== undefined && (await healthy(s));
}

export async function teardown(): Promise<void> {
  if (runningBefore || !readState()) return;
  await stopSharedControlPlane();
}
