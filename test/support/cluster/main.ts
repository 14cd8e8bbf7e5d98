// `npm run cluster:up`: build what is missing, start the test bed's control plane (or reuse the
// running one) and print the path of its admin kubeconfig as the last line.
// `npm run cluster:down`: stop what `up` started. `npm run cluster:status`: say what runs.
import { readState, sharedControlPlane, stopSharedControlPlane, healthy } from './control-plane.js';

const cmd = process.argv[2] ?? 'up';
if (cmd === 'up') {
  const plane = await sharedControlPlane();
  process.stderr.write(`testbed: Kubernetes ${plane.kubeVersion} at ${plane.url}; kubectl: ${plane.kubectlPath}\n`);
  process.stdout.write(`${plane.kubeconfigPath}\n`);
} else if (cmd === 'down') {
  const stopped = await stopSharedControlPlane();
  process.stderr.write(stopped ? 'testbed: stopped\n' : 'testbed: nothing was running\n');
} else if (cmd === 'status') {
  const plane = readState();
  const ok = plane ? await healthy(plane) : false;
  process.stdout.write(plane ? `${ok ? 'running' : 'unhealthy'} ${plane.kubeVersion} ${plane.url} ${plane.kubeconfigPath}\n` : 'not running\n');
  process.exitCode = ok ? 0 : 1;
} else {
  process.stderr.write('usage: tsx test/support/cluster/main.ts up|down|status\n');
  process.exitCode = 2;
}
