// Secrets never reach output: every writer goes through `redact`, which masks values
// registered at start-up (tokens, DSN passwords) and anything shaped like a credential URL.

const registered = new Set<string>();
/** Secrets shorter than 4 characters, masked where they stand alone (masking every "ab" inside words would garble output). */
const short = new Map<string, RegExp>();

/**
 * Register a secret value so that it is masked wherever it would be printed. Values under 4
 * characters are ignored unless `anyLength` (a value a user marked secret, such as a
 * secret-named build arg): those are masked wherever they stand alone as a word.
 */
export function registerSecret(value: string | undefined, opts: { anyLength?: boolean } = {}): void {
  if (!value) return;
  if (value.length >= 4) registered.add(value);
  else if (opts.anyLength) short.set(value, new RegExp(`(?<![A-Za-z0-9_])${value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}(?![A-Za-z0-9_])`, 'g'));
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;

export function redact(text: string): string {
  let out = text.replace(URL_PASSWORD, '$1***$3');
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  for (const [secret, re] of short) if (out.includes(secret)) out = out.replace(re, '***');
  return out;
}

/** A short masked preview: first and last characters only. */
export function maskPreview(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 2)}${'*'.repeat(Math.min(12, value.length - 4))}${value.slice(-2)}`;
}

/** Names that look like they hold secrets (build args, env vars). */
export function looksSecretName(name: string): boolean {
  return /(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)/i.test(name);
}
