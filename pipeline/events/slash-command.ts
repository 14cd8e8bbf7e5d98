// `/shardship <action> [app]` in a PR or issue comment. A pure parser with a strict grammar:
// the command is the first line of the comment, the action is one of five words, the app a
// DNS-1123 label. Nothing else is read: the text is matched, never evaluated or templated.

export const SLASH_ACTIONS = ['promote', 'abort', 'status', 'pause', 'resume'] as const;
export type SlashAction = (typeof SLASH_ACTIONS)[number];

export interface SlashCommand {
  action: SlashAction;
  app?: string;
}

export type SlashParse = { kind: 'none' } | { kind: 'command'; command: SlashCommand } | { kind: 'invalid'; reason: string };

export const SLASH_USAGE = '`/shardship promote|abort|status|pause|resume [app]` on the first line of the comment';

const APP = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseSlashCommand(body: string): SlashParse {
  const first = body.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0]!.trim();
  // Only comments that address shardship are ours; everything else is conversation.
  if (!/^\/shardship(\s|$)/.test(first)) return { kind: 'none' };
  const words = first.split(/[ \t]+/).slice(1);
  if (words.length === 0) return { kind: 'invalid', reason: `missing action; use ${SLASH_USAGE}` };
  if (words.length > 2) return { kind: 'invalid', reason: `too many words; use ${SLASH_USAGE}` };
  const [action, app] = words as [string, string | undefined];
  if (!(SLASH_ACTIONS as readonly string[]).includes(action)) {
    // The reason is posted back as a comment: control and bidi characters of the input are not (found by test/fuzz).
    // eslint-disable-next-line no-control-regex -- control characters are what is matched
    const shown = action.slice(0, 40).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
    return { kind: 'invalid', reason: `unknown action "${shown}"; use ${SLASH_USAGE}` };
  }
  if (app !== undefined && !APP.test(app)) {
    return { kind: 'invalid', reason: `app must be a lowercase name like loan-service (letters, digits, '-'); use ${SLASH_USAGE}` };
  }
  return { kind: 'command', command: { action: action as SlashAction, ...(app ? { app } : {}) } };
}

/** GitHub role names allowed to drive releases from a comment. */
export const COMMAND_ROLES = ['admin', 'maintain', 'write'] as const;

export function mayRunCommands(roleName: string, permission: string): boolean {
  return (COMMAND_ROLES as readonly string[]).includes(roleName) || permission === 'admin' || permission === 'write';
}
