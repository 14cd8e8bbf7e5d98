// `npm run sim:kube`: run the kube simulator standalone until Ctrl-C.
// Flags: --port N, --ready-delay-ms N, --traffic-rps N, --namespace NAME (repeatable).
import { parseArgs } from 'node:util';
import { startKubeSim } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'ready-delay-ms': { type: 'string' },
    'traffic-rps': { type: 'string' },
    namespace: { type: 'string', multiple: true },
  },
});

const sim = await startKubeSim({
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values['ready-delay-ms'] ? { readyDelayMs: Number(values['ready-delay-ms']) } : {}),
  ...(values['traffic-rps'] ? { trafficRps: Number(values['traffic-rps']) } : {}),
  ...(values.namespace ? { namespaces: values.namespace } : {}),
});

process.stdout.write(
  [
    `kube-sim listening on ${sim.url}`,
    `kubeconfig: ${sim.kubeconfigPath}`,
    `metrics:    ${sim.metricsUrl}`,
    `try:        kubectl --kubeconfig ${sim.kubeconfigPath} get namespaces`,
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
);

const stop = () => {
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
