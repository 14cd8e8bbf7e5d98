// Untrusted text from GitHub: webhook payloads, slash commands in comments, commit messages.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import lint from '@commitlint/lint';
import { planEvent } from '../../pipeline/events/plan.js';
import { parseSlashCommand, SLASH_ACTIONS } from '../../pipeline/events/slash-command.js';
import { cleanEditedMessage } from '../../pipeline/gate/subject.js';
import { conventionalDefault } from '../../pipeline/gate/commitlint.js';
import { ShardshipConfig } from '../../pipeline/config/schema.js';
import { ShardshipError } from '../../pipeline/core/errors.js';
import { webhookExample } from '../support/github-server/examples.js';
import { HOSTILE_CHARS, runs } from './settings.js';

const hostile = fc.array(fc.constantFrom(...HOSTILE_CHARS, '/shardship ', 'promote', 'abort', 'web', 'refs/heads/', '::set-output name=x::', '\u001b[31m', '$(id)', '`id`'), { maxLength: 12 }).map((xs) => xs.join(''));
const config = ShardshipConfig.parse({ version: 1, environments: { staging: { branch: 'main' } } });

/** Replace one value somewhere in a real payload with a random one. */
function mutate(payload: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || payload === null || typeof payload !== 'object') return value;
  const entries = Object.entries(payload as Record<string, unknown>);
  if (entries.length === 0) return value;
  const [k, v] = entries[path[0]! % entries.length]!;
  const copy: Record<string, unknown> = Array.isArray(payload) ? ([...payload] as unknown as Record<string, unknown>) : { ...(payload as Record<string, unknown>) };
  copy[k] = mutate(v, path.slice(1), value);
  return copy;
}

const EVENTS: [string, string][] = [
  ['push', ''],
  ['pull_request', 'opened'],
  ['issue_comment', 'created'],
  ['workflow_dispatch', ''],
];

describe('webhook payloads under fuzzing', () => {
  it('a real payload with any one value replaced plans or fails with a shardship error, never a crash', () => {
    const payloads = EVENTS.map(([e, a]) => [e, a ? webhookExample(e, a) : webhookExample(e)] as const);
    fc.assert(
      fc.property(
        fc.constantFrom(...payloads),
        fc.array(fc.nat(40), { maxLength: 5 }),
        fc.oneof(hostile, fc.integer(), fc.constant(null), fc.constant({}), fc.constant([]), fc.boolean(), fc.double()),
        ([event, payload], path, value) => {
          try {
            const plan = planEvent(event, mutate(payload, path, value), config);
            expect(Array.isArray(plan.steps)).toBe(true);
          } catch (e) {
            if (!(e instanceof ShardshipError)) throw e;
          }
        },
      ),
      runs(300),
    );
  });
});

describe('slash commands under fuzzing', () => {
  it('any comment body parses to none, invalid or a known action with a DNS-label app; the reason never echoes more than 40 characters of input', () => {
    fc.assert(
      fc.property(hostile, (body) => {
        const r = parseSlashCommand(body);
        if (r.kind === 'command') {
          expect(SLASH_ACTIONS).toContain(r.command.action);
          if (r.command.app) expect(r.command.app).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
        }
        // eslint-disable-next-line no-control-regex -- control characters are what is asserted absent
        if (r.kind === 'invalid') expect(r.reason).not.toMatch(/[\u0000-\u001f\u202e]/);
      }),
      runs(500),
    );
  });
});

describe('commit messages under fuzzing', () => {
  const message = fc.array(fc.oneof(hostile, fc.constantFrom('feat: x', 'fix(a)!: y', '# comment', '# ------------------------ >8 ------------------------', 'Signed-off-by: a <b>', 'BREAKING CHANGE: z', '\n\n', 'Merge branch')), { maxLength: 8 }).map((xs) => xs.join('\n'));

  it('cleanEditedMessage is idempotent, drops every comment line, and ends with one newline', () => {
    fc.assert(
      fc.property(message, (m) => {
        const once = cleanEditedMessage(m);
        expect(cleanEditedMessage(once)).toBe(once);
        expect(once.endsWith('\n')).toBe(true);
        expect(once.endsWith('\n\n')).toBe(false);
        for (const l of once.split('\n')) expect(l.startsWith('#')).toBe(false);
      }),
      runs(500),
    );
  });

  it('commitlint with the conventional rules answers every message without throwing', async () => {
    const { rules, opts } = conventionalDefault();
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        // As rules/commit/message.ts does: a blank message is a finding of its own, never linted
        // (commitlint throws "Expected a raw commit" on "\r").
        fc.pre(m.trim() !== '');
        const r = await lint(m, rules, opts);
        expect(typeof r.valid).toBe('boolean');
      }),
      runs(150),
    );
  });
});
