// shardship promote action: deploy the digest that passed `from` to `to`, or refuse.
import { runAction } from '../../pipeline/events/action.js';
import { releaseStage } from '../../pipeline/events/wire-release.js';
import { previousEnvironment } from '../../pipeline/events/plan.js';
import { UsageError } from '../../pipeline/core/errors.js';

await runAction({
  plan: ({ runner, context, config }) => {
    const to = runner.input('to', { required: true });
    const from = runner.input('from') || previousEnvironment(config, to);
    if (!from) throw new UsageError(`no environment comes before "${to}" in shardship.yaml environments`, { hint: 'pass the input "from"' });
    const digest = runner.input('digest');
    if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError('digest must look like sha256:<64 hex>');
    const app = runner.input('app');
    return {
      event: context.eventName,
      repository: context.repository,
      steps: [{ stage: 'promote', from, to, ...(digest ? { digest } : {}), ...(app ? { app } : {}) }],
      notes: [],
    };
  },
}, releaseStage);
