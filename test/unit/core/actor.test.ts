// One actor identity for every record a run leaves: the same person and run, whichever stage writes it.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { actorLine, currentActor } from '../../../pipeline/core/actor.js';
import { actorFromEnv } from '../../../pipeline/release/state.js';

const workflow = { GITHUB_ACTOR: 'octocat', GITHUB_REPOSITORY: 'acme/loans', GITHUB_RUN_ID: '42', GITHUB_WORKFLOW: 'deploy', USER: 'runner' };

describe('currentActor', () => {
  it('in a workflow: the GitHub actor and run, in history rows and in the release state alike', () => {
    expect(actorLine(currentActor(workflow))).toBe('octocat (acme/loans run 42)');
    expect(actorFromEnv(workflow, new Date(0))).toEqual({ who: 'octocat', at: '1970-01-01T00:00:00.000Z', runId: '42', workflow: 'deploy' });
  });

  it('outside a workflow: user@host in history rows, the user in the release state', () => {
    expect(actorLine(currentActor({ USER: 'alice' }))).toBe(`alice@${hostname()}`);
    expect(actorFromEnv({ USER: 'alice' }, new Date(0))).toEqual({ who: 'alice', at: '1970-01-01T00:00:00.000Z' });
  });

  it('$SHARDSHIP_APPLIED_BY is recorded as is', () => {
    expect(actorLine(currentActor({ ...workflow, SHARDSHIP_APPLIED_BY: 'release-bot' }))).toBe('release-bot');
  });

  it('a workflow without repository or run id still names the actor', () => {
    expect(actorLine(currentActor({ GITHUB_ACTOR: 'octocat' }))).toBe('octocat (github run ?)');
  });
});
