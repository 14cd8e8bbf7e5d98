// GitHub refusals, translated once. A 403 names the permission the token lacks so that the
// fix (a `permissions:` line in the workflow) is obvious; callers fall back, never ignore it.
import { ServiceError } from '../core/errors.js';

export class GitHubPermissionError extends ServiceError {
  constructor(
    readonly permission: string,
    readonly operation: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super('GitHub', `403 on ${operation}: ${detail}; the token is missing the "${permission}" permission`, {
      hint: `add "${permission}" under \`permissions:\` in the workflow job (pull requests from forks always get a read-only token)`,
      ...options,
    });
  }
}

export class GitHubNotFoundError extends ServiceError {
  constructor(operation: string, detail: string, options: { cause?: unknown } = {}) {
    super('GitHub', `404 on ${operation}: ${detail}`, {
      hint: 'check the repository name, and that the token can see it (GitHub answers 404 for private resources it cannot read)',
      ...options,
    });
  }
}

export class GitHubValidationError extends ServiceError {
  constructor(operation: string, detail: string, options: { cause?: unknown } = {}) {
    super('GitHub', `422 on ${operation}: ${detail}`, options);
  }
}

/** Translate an HTTP failure (status + message) from GitHub into the error family. */
export function translateGitHubError(status: number | undefined, operation: string, permission: string, detail: string, cause: unknown): Error {
  switch (status) {
    case 401:
      return new ServiceError('GitHub', `401 on ${operation}: the token was rejected (${detail})`, { hint: 'pass a valid token (GITHUB_TOKEN)', cause });
    case 403:
      if (/rate limit/i.test(detail)) return new ServiceError('GitHub', `403 on ${operation}: rate limited (${detail})`, { cause });
      return new GitHubPermissionError(permission, operation, detail, { cause });
    case 404:
      return new GitHubNotFoundError(operation, detail, { cause });
    case 422:
      return new GitHubValidationError(operation, detail, { cause });
    default:
      return new ServiceError('GitHub', `${status ?? 'no response'} on ${operation}: ${detail}`, { cause });
  }
}
