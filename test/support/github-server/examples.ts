// Real webhook payloads from @octokit/webhooks-examples, copied so a test may edit them.
import { createRequire } from 'node:module';

// Payloads are deep, loosely typed JSON that tests edit freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = Record<string, any>;

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Payload[] }[];

export function webhookExample(name: string, action?: string | ((p: Payload) => boolean)): Payload {
  const pick = typeof action === 'function' ? action : (p: Payload) => action === undefined || p.action === action;
  const e = examples.find((x) => x.name === name)?.examples.find(pick);
  if (!e) throw new Error(`@octokit/webhooks-examples has no ${name} example${typeof action === 'string' ? ` with action ${action}` : ''}`);
  return structuredClone(e);
}
