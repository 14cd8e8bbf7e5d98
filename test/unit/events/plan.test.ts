import { describe, expect, it } from 'vitest';
import { planEvent } from '../../../pipeline/events/plan.js';
import { webhookExample } from '../../support/github-server/examples.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { UsageError } from '../../../pipeline/core/errors.js';

const example = webhookExample;

const config = ShardshipConfig.parse({
  version: 1,
  environments: { staging: { branch: 'main' }, production: { branch: 'release' } },
  migrate: { environments: { staging: { nodes: { n1: { dsnEnv: 'N1_DSN' } }, databases: { loan_0: 'n1' }, tables: { t: { kind: 'broadcast' } } } } },
  release: { apps: { 'loan-service': {} } },
});
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('planEvent', () => {
  it('push to a mapped branch: gate before..after, build+push, migrate apply, release', () => {
    const p = example('push');
    Object.assign(p, { ref: 'refs/heads/main', before: A, after: B, deleted: false });
    const plan = planEvent('push', p, config);
    expect(plan.steps).toEqual([
      { stage: 'gate', base: A, head: B, extraMessages: [] },
      { stage: 'build', ref: 'refs/heads/main', sha: B, push: true },
      { stage: 'migrate', environment: 'staging', apply: true },
      { stage: 'release', environment: 'staging', sha: B },
    ]);
  });

  it('push to an unmapped branch: gate and build only, and says why', () => {
    const p = Object.assign(example('push'), { ref: 'refs/heads/feature/x', before: A, after: B, deleted: false });
    const plan = planEvent('push', p, config);
    expect(plan.steps.map((s) => s.stage)).toEqual(['gate', 'build']);
    expect(plan.notes.join()).toContain('maps to no environment');
  });

  it('push of a new tag (the real example payload): build and push only', () => {
    const plan = planEvent('push', example('push'), config);
    expect(plan.steps).toEqual([{ stage: 'build', ref: 'refs/tags/simple-tag', sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', push: true }]);
  });

  it('pull_request.opened: gate on commits + title, migration plan, build without push', () => {
    const p = example('pull_request', 'opened');
    p.pull_request.base.ref = 'main';
    const plan = planEvent('pull_request', p, config);
    expect(plan.pullRequest).toBe(2);
    expect(plan.steps).toEqual([
      { stage: 'gate', base: p.pull_request.base.sha, head: p.pull_request.head.sha, extraMessages: [{ source: 'pull request title', message: 'Update the README with new information.' }] },
      { stage: 'migrate', environment: 'staging', apply: false },
      { stage: 'build', ref: 'refs/pull/2/merge', sha: p.pull_request.head.sha, push: false },
    ]);
  });

  it('pull_request.closed does nothing', () => {
    expect(planEvent('pull_request', example('pull_request', 'closed'), config).steps).toEqual([]);
  });

  it('issue_comment: a command, conversation, and an edited comment', () => {
    const p = example('issue_comment', 'created');
    expect(planEvent('issue_comment', p, config).steps).toEqual([]);
    p.comment.body = '/shardship promote loan-service';
    expect(planEvent('issue_comment', p, config).steps).toEqual([{ stage: 'command', command: { action: 'promote', app: 'loan-service' }, commenter: 'Codertocat', issueNumber: 1, commentId: p.comment.id }]);
    p.action = 'edited';
    expect(planEvent('issue_comment', p, config).steps).toEqual([]);
  });

  it('workflow_dispatch: promote from the previous environment; bad input is a usage error', () => {
    const p = example('workflow_dispatch');
    p.inputs = { to: 'production' };
    expect(planEvent('workflow_dispatch', p, config).steps).toEqual([{ stage: 'promote', from: 'staging', to: 'production' }]);
    p.inputs = { to: 'staging' };
    expect(() => planEvent('workflow_dispatch', p, config)).toThrow(/no environment comes before "staging"/);
    p.inputs = { to: 'moon' };
    expect(() => planEvent('workflow_dispatch', p, config)).toThrow(UsageError);
  });

  it('names the missing field of a malformed payload', () => {
    expect(() => planEvent('push', { ref: 'refs/heads/main' }, config)).toThrow(/before/);
    expect(() => planEvent('release', {}, config)).toThrow(/does not handle/);
  });
});
