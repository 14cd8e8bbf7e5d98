// Docker and registry failures, translated once into the project's error family. Messages
// come from the engine (HTTP errors from the API, or `errorDetail` lines in a stream).
import { CheckFailedError, ServiceError, UsageError, type ShardshipError } from '../core/errors.js';

export const DOCKER_HOST_HINT =
  'start the Docker engine, or point DOCKER_HOST at one that runs, e.g. `export DOCKER_HOST=unix:///var/run/docker.sock` or `tcp://127.0.0.1:2375`';

interface ModemError {
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | string | null;
  message?: string;
}

/** The engine's own message from a dockerode/docker-modem error. */
export function engineMessage(e: unknown): string {
  const m = e as ModemError;
  if (m && typeof m.json === 'object' && m.json && typeof m.json.message === 'string') return m.json.message.trim();
  if (m && typeof m.json === 'string' && m.json.trim()) return m.json.trim();
  return m?.message ?? String(e);
}

const CONNECT_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOTSOCK']);

/** A request that never reached an engine. */
export function isConnectError(e: unknown): boolean {
  const code = (e as ModemError)?.code;
  return typeof code === 'string' && CONNECT_CODES.has(code);
}

export function noEngine(endpoint: string, e: unknown): ServiceError {
  const code = (e as ModemError)?.code;
  const why = code === 'EACCES' ? 'permission denied on the socket' : code === 'ENOENT' ? 'no socket there' : ((e as Error)?.message ?? String(e));
  return new ServiceError('docker', `no Docker engine answers at ${endpoint} (${why})`, { hint: DOCKER_HOST_HINT, cause: e });
}

/** An error from an Engine API call (not from a stream). */
export function translateApiError(endpoint: string, what: string, e: unknown): ShardshipError {
  if (isConnectError(e)) return noEngine(endpoint, e);
  const msg = engineMessage(e);
  if (/dockerfile parse error|unknown instruction|unknown flag/i.test(msg)) {
    return new UsageError(`Dockerfile syntax error: ${msg}`, { hint: 'fix the Dockerfile at the line named above', cause: e });
  }
  if (/cannot locate specified dockerfile/i.test(msg)) {
    return new UsageError(`${msg}`, { hint: 'check build.dockerfile in shardship.yaml (relative to build.context) or pass --file', cause: e });
  }
  if (/client version .* is too (new|old)/i.test(msg)) {
    return new ServiceError('docker', msg, { hint: 'use a Docker engine with Engine API 1.30 or newer', cause: e });
  }
  return new ServiceError('docker', `${what} failed: ${msg}`, { cause: e });
}

/** A registry failure reported by the engine during push or pull. */
export function translateRegistryError(registry: string, message: string, hasCredentials: boolean): ServiceError {
  const m = message.toLowerCase();
  if (m.includes('unauthorized') || m.includes('authentication required') || m.includes('no basic auth credentials') || m.includes('incorrect username or password')) {
    return new ServiceError('registry', `${registry} refused ${hasCredentials ? 'the credentials' : 'to push without credentials'} (401 unauthorized)`, {
      hint: hasCredentials
        ? 'check the username and password (build.auth.usernameEnv/passwordEnv, or `docker login ' + registry + '`)'
        : 'log in with `docker login ' + registry + '`, or set build.auth.usernameEnv and build.auth.passwordEnv',
    });
  }
  if (m.includes('denied')) {
    return new ServiceError('registry', `${registry} denied access: ${message}`, { hint: 'the account needs push permission on this repository' });
  }
  if (m.includes('server gave http response to https client')) {
    return new ServiceError('registry', `${registry} speaks plain HTTP but the engine expects HTTPS`, {
      hint: `add "${registry}" to insecure-registries in the engine's daemon.json (loopback registries are allowed by default)`,
    });
  }
  if (m.includes('connection refused') || m.includes('no such host') || m.includes('i/o timeout') || m.includes('dial tcp') || m.includes('network is unreachable')) {
    return new ServiceError('registry', `cannot reach registry ${registry}: ${message}`, { hint: 'check build.repository and that the registry is up and reachable from the engine' });
  }
  return new ServiceError('registry', `${registry}: ${message}`);
}

/** An error line in a build stream: the build failed (the core adds the step and log tail). */
export function buildStreamError(message: string): ShardshipError {
  if (/dockerfile parse error|unknown instruction/i.test(message)) return new UsageError(`Dockerfile syntax error: ${message}`, { hint: 'fix the Dockerfile at the line named above' });
  return new CheckFailedError(message);
}
