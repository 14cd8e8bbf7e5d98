// The Docker Engine API adapter: the only place that imports dockerode. It implements the
// build stage's `ContainerEngine` port and translates every failure via ./errors.ts.
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { ServiceError, TimedOutError } from '../core/errors.js';
import type { ContainerEngine, EngineBuildRequest, EngineEvent, EngineInfo, ImageSummary, RegistryCredentials } from '../build/types.js';
import { buildStreamError, engineMessage, isConnectError, noEngine, translateApiError, translateRegistryError } from './errors.js';

/** The build stream's `aux.ID` arrived in Engine API 1.30 (Docker 17.06). */
const MIN_API = [1, 30] as const;

export interface EngineEndpoint {
  /** As shown to people. */
  display: string;
  options: Docker.DockerOptions;
}

/** Where DOCKER_HOST points (unix:// or tcp://), or the default socket. */
export function resolveEndpoint(env: NodeJS.ProcessEnv): EngineEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { display: 'unix:///var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } };
  if (host.startsWith('unix://')) return { display: host, options: { socketPath: host.slice('unix://'.length) } };
  if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
    const u = new URL(host.replace(/^tcp:/, env.DOCKER_TLS_VERIFY ? 'https:' : 'http:'));
    return {
      display: `${u.protocol}//${u.host}`,
      options: { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 2376 : 2375)), protocol: u.protocol === 'https:' ? 'https' : 'http' },
    };
  }
  throw new ServiceError('docker', `DOCKER_HOST="${host}" is not a unix:// or tcp:// address`, { hint: 'e.g. export DOCKER_HOST=unix:///var/run/docker.sock' });
}

function apiAtLeast(v: string, min: readonly [number, number]): boolean {
  const [maj = 0, mi = 0] = v.split('.').map(Number);
  return maj > min[0] || (maj === min[0] && mi >= min[1]);
}

function authConfig(auth: RegistryCredentials | undefined): Docker.AuthConfig | undefined {
  return auth ? { username: auth.username, password: auth.password, serveraddress: auth.serverAddress } : undefined;
}

interface StreamLine {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
  message?: string;
}

/** Split the engine's JSON-lines stream into events; error lines become translated errors. */
async function* events(stream: NodeJS.ReadableStream, onError: (message: string) => EngineEvent): AsyncGenerator<EngineEvent> {
  let buf = '';
  const decode = (line: string): EngineEvent[] => {
    if (!line.trim()) return [];
    let j: StreamLine;
    try {
      j = JSON.parse(line) as StreamLine;
    } catch {
      return [{ kind: 'output', text: line }];
    }
    if (j.error !== undefined || j.errorDetail !== undefined) return [onError((j.errorDetail?.message ?? j.error ?? 'unknown error').trim())];
    const out: EngineEvent[] = [];
    if (j.aux?.ID) out.push({ kind: 'image', imageId: j.aux.ID });
    if (j.aux?.Digest) out.push({ kind: 'pushed', tag: j.aux.Tag ?? '', digest: j.aux.Digest, ...(j.aux.Size !== undefined ? { size: j.aux.Size } : {}) });
    if (typeof j.stream === 'string') out.push({ kind: 'output', text: j.stream });
    if (typeof j.status === 'string') out.push({ kind: 'status', ...(j.id ? { id: j.id } : {}), text: j.progress ? `${j.status} ${j.progress}` : j.status });
    return out;
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      yield* decode(line);
    }
  }
  yield* decode(buf);
}

/** Default timeouts.docker: one Engine API call that is not a stream. */
export const DOCKER_TIMEOUT_MS = 30_000;

export function dockerEngine(env: NodeJS.ProcessEnv = process.env, opts: { timeoutMs?: number } = {}): ContainerEngine {
  const endpoint = resolveEndpoint(env);
  const docker = new Docker(endpoint.options);
  const timeoutMs = opts.timeoutMs ?? DOCKER_TIMEOUT_MS;
  /** A call that is not a stream, bounded: an engine that accepts and never answers must not hold the build. */
  const within = async <T>(what: string, call: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TimedOutError(`docker: the engine at ${endpoint.display} gave no answer to ${what} within ${timeoutMs / 1000}s`, {
                  hint: 'the engine accepts connections but does not answer: restart it, or raise timeouts.docker',
                }),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  const registryOf = (reference: string) => {
    const first = reference.split('/')[0]!;
    return reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
  };

  return {
    async probe(): Promise<EngineInfo> {
      try {
        const v = await within('GET /version', docker.version());
        if (!apiAtLeast(v.ApiVersion, MIN_API)) {
          throw new ServiceError('docker', `the engine at ${endpoint.display} speaks Engine API ${v.ApiVersion}; shardship needs ${MIN_API.join('.')} or newer`, {
            hint: 'upgrade the Docker engine',
          });
        }
        return { endpoint: endpoint.display, version: v.Version, apiVersion: v.ApiVersion, os: `${v.Os}/${v.Arch}` };
      } catch (e) {
        if (e instanceof ServiceError || e instanceof TimedOutError) throw e;
        if (isConnectError(e)) throw noEngine(endpoint.display, e);
        throw translateApiError(endpoint.display, 'probing the engine', e);
      }
    },

    async *build(context: Readable, req: EngineBuildRequest, signal: AbortSignal): AsyncGenerator<EngineEvent> {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.buildImage(context, {
          dockerfile: req.dockerfile,
          ...(req.target ? { target: req.target } : {}),
          buildargs: req.buildArgs,
          labels: req.labels,
          nocache: req.noCache,
          ...(req.cacheFrom.length ? { cachefrom: req.cacheFrom } : {}),
          pull: false,
          rm: true,
          forcerm: true,
          abortSignal: signal,
        } as Docker.ImageBuildOptions);
      } catch (e) {
        throw translateApiError(endpoint.display, 'build', e);
      }
      try {
        yield* events(stream, (message) => ({ kind: 'error', message, error: buildStreamError(message) }));
      } catch (e) {
        if (signal.aborted) throw e;
        throw translateApiError(endpoint.display, 'build', e);
      }
    },

    async *push(repository: string, tag: string, auth: RegistryCredentials | undefined, signal: AbortSignal): AsyncGenerator<EngineEvent> {
      const registry = registryOf(repository);
      let stream: NodeJS.ReadableStream;
      try {
        const opts: Record<string, unknown> = { tag, abortSignal: signal };
        const ac = authConfig(auth);
        // The engine wants an X-Registry-Auth header even when empty, as the docker CLI sends it.
        opts.authconfig = ac ?? { key: Buffer.from('{}').toString('base64') };
        stream = await docker.getImage(repository).push(opts);
      } catch (e) {
        throw translateApiError(endpoint.display, `push of ${repository}:${tag}`, e);
      }
      try {
        yield* events(stream, (message) => ({ kind: 'error', message, error: translateRegistryError(registry, message, Boolean(auth)) }));
      } catch (e) {
        if (signal.aborted) throw e;
        throw translateApiError(endpoint.display, `push of ${repository}:${tag}`, e);
      }
    },

    async pull(reference: string, auth: RegistryCredentials | undefined, signal: AbortSignal): Promise<boolean> {
      const registry = registryOf(reference);
      const notFound = (m: string) => /not found|manifest unknown|does not exist/i.test(m);
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.pull(reference, { abortSignal: signal, authconfig: authConfig(auth) ?? { key: Buffer.from('{}').toString('base64') } });
      } catch (e) {
        if (isConnectError(e)) throw noEngine(endpoint.display, e);
        const msg = engineMessage(e);
        if ((e as { statusCode?: number }).statusCode === 404 || notFound(msg)) return false;
        throw translateRegistryError(registry, msg, Boolean(auth));
      }
      for await (const ev of events(stream, (message) => ({ kind: 'error', message, error: translateRegistryError(registry, message, Boolean(auth)) }))) {
        if (ev.kind === 'error') {
          if (notFound(ev.message)) return false;
          throw ev.error;
        }
      }
      return true;
    },

    async tag(imageId: string, repository: string, tag: string): Promise<void> {
      try {
        await within(`tagging ${repository}:${tag}`, docker.getImage(imageId).tag({ repo: repository, tag }) as Promise<unknown>);
      } catch (e) {
        if (e instanceof TimedOutError) throw e;
        throw translateApiError(endpoint.display, `tagging ${repository}:${tag}`, e);
      }
    },

    async inspectImage(reference: string): Promise<ImageSummary | undefined> {
      try {
        const i = await within(`inspecting ${reference}`, docker.getImage(reference).inspect());
        return { id: i.Id, repoDigests: i.RepoDigests ?? [], repoTags: i.RepoTags ?? [], labels: i.Config?.Labels ?? {} };
      } catch (e) {
        if (e instanceof TimedOutError) throw e;
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw translateApiError(endpoint.display, `inspecting ${reference}`, e);
      }
    },
  };
}
