// Secrets never reach output: every writer goes through `redact`, which masks values
// registered at start-up (tokens, DSN passwords) and anything shaped like a credential URL.

const registered = new Set<string>();

/** Register a secret value so that it is masked wherever it would be printed. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;

export function redact(text: string): string {
  let out = text.replace(URL_PASSWORD, '$1***$3');
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
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
