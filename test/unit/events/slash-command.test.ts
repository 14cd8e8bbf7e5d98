import { describe, expect, it } from 'vitest';
import { mayRunCommands, parseSlashCommand } from '../../../pipeline/events/slash-command.js';

describe('parseSlashCommand', () => {
  it.each([
    ['/shardship promote', { action: 'promote' }],
    ['/shardship abort loan-service', { action: 'abort', app: 'loan-service' }],
    ['  /shardship   status\tapi2  \nplease look at the canary', { action: 'status', app: 'api2' }],
    ['/shardship pause a', { action: 'pause', app: 'a' }],
    ['/shardship resume\r\n', { action: 'resume' }],
  ])('parses %j', (body, command) => {
    expect(parseSlashCommand(body)).toEqual({ kind: 'command', command });
  });

  it.each(['LGTM', 'see /shardship promote later', '/shardshipping promote', '', 'the command\n/shardship promote'])('ignores conversation %j', (body) => {
    expect(parseSlashCommand(body)).toEqual({ kind: 'none' });
  });

  it.each([
    ['/shardship', 'missing action'],
    ['/shardship deploy', 'unknown action "deploy"'],
    ['/shardship promote a b', 'too many words'],
    ['/shardship promote $(rm -rf /)', 'too many words'],
    ['/shardship promote `id`', 'app must be'],
    ['/shardship promote ../../etc', 'app must be'],
    ['/shardship promote Loan', 'app must be'],
    ['/shardship promote a;b', 'app must be'],
    [`/shardship promote ${'a'.repeat(64)}`, 'app must be'],
  ])('rejects %j', (body, reason) => {
    const r = parseSlashCommand(body);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.reason).toContain(reason);
  });
});

describe('mayRunCommands', () => {
  it('allows write, maintain and admin only', () => {
    expect(mayRunCommands('admin', 'admin')).toBe(true);
    expect(mayRunCommands('maintain', 'write')).toBe(true);
    expect(mayRunCommands('write', 'write')).toBe(true);
    expect(mayRunCommands('triage', 'read')).toBe(false);
    expect(mayRunCommands('read', 'read')).toBe(false);
    expect(mayRunCommands('none', 'none')).toBe(false);
  });
});

describe('slash command replies never echo control or bidi characters (found by test/fuzz)', () => {
  it('an unknown action with a bidi override is shown with ? in its place', () => {
    const r = parseSlashCommand('/shardship \u202e<<`%!');
    expect(r).toEqual({ kind: 'invalid', reason: expect.stringContaining('unknown action "?<<`%!"') });
  });
});
