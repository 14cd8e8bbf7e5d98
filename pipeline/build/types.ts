// The build stage's data model and its one port, `ContainerEngine`. The Docker adapter
// (pipeline/docker) implements the port; the core never sees dockerode.
import type { Readable } from 'node:stream';
import type { ShardshipError } from '../core/errors.js';

/** What the engine said about itself when probed. */
export interface EngineInfo {
  /** Where it was reached, e.g. unix:///run/docker.sock (never carries credentials). */
  endpoint: string;
  version: string;
  apiVersion: string;
  os: string;
}

/** One line of a build or push stream, normalised. */
export type EngineEvent =
  | { kind: 'output'; text: string }
  | { kind: 'status'; id?: string; text: string }
  | { kind: 'image'; imageId: string }
  | { kind: 'pushed'; tag: string; digest: string; size?: number }
  /** An `error`/`errorDetail` line; `error` is already translated for people. */
  | { kind: 'error'; message: string; error: ShardshipError };

export interface RegistryCredentials {
  username: string;
  password: string;
  /** Registry host the credentials are for, e.g. 127.0.0.1:5000. */
  serverAddress: string;
  /** Where they came from, for the log: "env USER/PASS", "~/.docker/config.json", "docker-credential-pass". */
  source: string;
}

export interface EngineBuildRequest {
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache: boolean;
  cacheFrom: string[];
}

export interface ImageSummary {
  id: string;
  repoDigests: string[];
  repoTags: string[];
  labels: Record<string, string>;
}

/** The container engine, as the build stage needs it. */
export interface ContainerEngine {
  /** Probe the engine; throws ServiceError with a DOCKER_HOST hint when none answers. */
  probe(): Promise<EngineInfo>;
  build(context: Readable, request: EngineBuildRequest, signal: AbortSignal): AsyncIterable<EngineEvent>;
  push(repository: string, tag: string, auth: RegistryCredentials | undefined, signal: AbortSignal): AsyncIterable<EngineEvent>;
  /** Pull an image; resolves false when the registry does not have it (other failures throw). */
  pull(reference: string, auth: RegistryCredentials | undefined, signal: AbortSignal): Promise<boolean>;
  tag(imageId: string, repository: string, tag: string): Promise<void>;
  inspectImage(reference: string): Promise<ImageSummary | undefined>;
}

/** Where the image comes from: the commit and the event that triggered the build. */
export interface SourceInfo {
  sha: string;
  /** Committer time, seconds since the epoch: image `created` and context mtimes. */
  commitTime: number;
  /** Branch being built, when it is a branch build. */
  branch?: string;
  /** Pull request number, when it is a PR build. */
  pr?: number;
  /** Git tags pointing at the commit (e.g. v1.2.3). */
  gitTags: string[];
  /** Full ref name, e.g. refs/heads/main, refs/pull/7/merge, refs/tags/v1.2.3. */
  ref?: string;
  /** Repository web URL (https, no credentials). */
  sourceUrl?: string;
}
