// A local GitHub REST API for tests: a real HTTP server on 127.0.0.1 that checks every
// request against GitHub's published OpenAPI description and keeps just enough state (check
// runs, comments, reactions, statuses, deployments, permissions, PR commits) for tests to
// assert on. A request that does not conform gets a 4xx AND is recorded in `violations`, so
// a test can fail on it even when the client swallowed the error.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { githubSpec, type Route } from './openapi.js';

export interface CheckRunState {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: Record<string, unknown>[] };
  /** Annotations sent per request (create and each update): GitHub caps each at 50. */
  annotationBatches: number[];
}

export interface CommentState {
  id: number;
  issue_number: number;
  body: string;
  user: string;
  edits: number;
}

export interface DeploymentState {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: unknown;
  description: string | null;
  statuses: { id: number; state: string; description: string | null; environment_url: string | null }[];
}

export interface GitHubState {
  checkRuns: CheckRunState[];
  statuses: { sha: string; state: string; context: string; description: string | null }[];
  comments: CommentState[];
  reactions: { comment_id: number; content: string; user: string }[];
  deployments: DeploymentState[];
  /** username -> role_name (admin | maintain | write | triage | read | none). */
  collaborators: Map<string, string>;
  pullCommits: Map<number, { sha: string; message: string }[]>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  route?: Route;
  body: unknown;
  status: number;
}

/** Forces a response: e.g. a 403 on POST check-runs, the way a fork PR's token gets one. */
export interface ForcedResponse {
  method: string;
  /** OpenAPI template, e.g. `/repos/{owner}/{repo}/check-runs`. */
  template: string;
  status: number;
  body?: unknown;
  /** How many times (default: always). */
  times?: number;
}

export interface GitHubServer {
  url: string;
  state: GitHubState;
  requests: RecordedRequest[];
  violations: string[];
  force(r: ForcedResponse): void;
  /** The identity the token belongs to (author of comments it creates). */
  tokenUser: string;
  stop(): Promise<void>;
}

export async function startGitHubServer(opts: { tokenUser?: string } = {}): Promise<GitHubServer> {
  const spec = githubSpec();
  const state: GitHubState = {
    checkRuns: [],
    statuses: [],
    comments: [],
    reactions: [],
    deployments: [],
    collaborators: new Map(),
    pullCommits: new Map(),
  };
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const forced: ForcedResponse[] = [];
  let nextId = 1000;
  const tokenUser = opts.tokenUser ?? 'github-actions[bot]';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    let hasBody = raw.length > 0;
    if (hasBody) {
      try {
        body = JSON.parse(raw);
      } catch {
        violations.push(`${method} ${url.pathname}: body is not JSON`);
        return send(res, 400, { message: 'Problems parsing JSON' });
      }
    }
    if (method === 'GET' || method === 'HEAD') hasBody = hasBody && body !== undefined;
    const record = (status: number, route?: Route): void => void requests.push({ method, path: url.pathname, route, body, status });

    if (!/^(token|bearer) \S+/i.test(req.headers.authorization ?? '')) {
      violations.push(`${method} ${url.pathname}: no Authorization header`);
      record(401);
      return send(res, 401, { message: 'Requires authentication' });
    }
    const { route, problems } = spec.check(method, url.pathname, url.searchParams, body, hasBody);
    if (!route) {
      violations.push(`${method} ${url.pathname}: ${problems.join('; ')}`);
      record(404);
      return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    if (problems.length) {
      violations.push(`${method} ${route.template}: ${problems.join('; ')}`);
      record(422, route);
      return send(res, 422, { message: 'Validation Failed', errors: problems });
    }
    const f = forced.find((x) => x.method === method && x.template === route.template && (x.times ?? 1) > 0);
    if (f) {
      if (f.times !== undefined) f.times--;
      record(f.status, route);
      return send(res, f.status, f.body ?? { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
    }
    const [status, out] = apply(route, body as Record<string, unknown>, url.searchParams);
    if (status === 501) violations.push(`${method} ${route.template}: valid, but not implemented by the contract server`);
    record(status, route);
    send(res, status, out);
  };

  const apply = (route: Route, body: Record<string, unknown>, query: URLSearchParams): [number, unknown] => {
    const p = route.params;
    const repo = `${p.owner}/${p.repo}`;
    const key = `${route.method} ${route.template.replace('/repos/{owner}/{repo}', '')}`;
    const page = Number(query.get('page') ?? 1);
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
    const paged = <T>(items: T[]): T[] => items.slice((page - 1) * perPage, page * perPage);
    switch (key) {
      case 'POST /check-runs': {
        const output = (body.output ?? {}) as Record<string, unknown>;
        const annotations = (output.annotations as Record<string, unknown>[] | undefined) ?? [];
        const run: CheckRunState = {
          id: nextId++,
          name: str(body.name),
          head_sha: str(body.head_sha),
          status: str(body.status ?? 'queued'),
          conclusion: (body.conclusion as string | undefined) ?? null,
          output: {
            title: (output.title as string | undefined) ?? null,
            summary: (output.summary as string | undefined) ?? null,
            text: (output.text as string | undefined) ?? null,
            annotations: [...annotations],
          },
          annotationBatches: [annotations.length],
        };
        state.checkRuns.push(run);
        return [201, checkRunJson(run, repo)];
      }
      case 'PATCH /check-runs/{check_run_id}': {
        const run = state.checkRuns.find((r) => r.id === Number(p.check_run_id));
        if (!run) return [404, { message: 'Not Found' }];
        if (body.status) run.status = str(body.status);
        if (body.conclusion) {
          run.conclusion = str(body.conclusion);
          run.status = 'completed';
        }
        const output = body.output as Record<string, unknown> | undefined;
        if (output) {
          if (output.title !== undefined) run.output.title = str(output.title);
          if (output.summary !== undefined) run.output.summary = str(output.summary);
          if (output.text !== undefined) run.output.text = str(output.text);
          // GitHub appends annotations sent in updates to the run's list.
          const more = (output.annotations as Record<string, unknown>[] | undefined) ?? [];
          run.output.annotations.push(...more);
          run.annotationBatches.push(more.length);
        }
        return [200, checkRunJson(run, repo)];
      }
      case 'POST /statuses/{sha}':
        state.statuses.push({
          sha: p.sha!,
          state: str(body.state),
          context: str(body.context ?? 'default'),
          description: (body.description as string | undefined) ?? null,
        });
        return [201, { id: nextId++, state: body.state, context: body.context ?? 'default', url: '', created_at: now(), updated_at: now() }];
      case 'GET /issues/{issue_number}/comments':
        return [200, paged(state.comments.filter((c) => c.issue_number === Number(p.issue_number))).map(commentJson)];
      case 'POST /issues/{issue_number}/comments': {
        const c: CommentState = { id: nextId++, issue_number: Number(p.issue_number), body: str(body.body), user: tokenUser, edits: 0 };
        state.comments.push(c);
        return [201, commentJson(c)];
      }
      case 'PATCH /issues/comments/{comment_id}': {
        const c = state.comments.find((x) => x.id === Number(p.comment_id));
        if (!c) return [404, { message: 'Not Found' }];
        c.body = str(body.body);
        c.edits++;
        return [200, commentJson(c)];
      }
      case 'POST /issues/comments/{comment_id}/reactions':
        state.reactions.push({ comment_id: Number(p.comment_id), content: str(body.content), user: tokenUser });
        return [201, { id: nextId++, content: body.content, created_at: now() }];
      case 'GET /collaborators/{username}/permission': {
        const role = state.collaborators.get(p.username!);
        if (role === undefined) return [404, { message: `${p.username} is not a user` }];
        const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return [200, { permission, role_name: role, user: { login: p.username } }];
      }
      case 'POST /deployments': {
        const d: DeploymentState = {
          id: nextId++,
          sha: str(body.ref),
          ref: str(body.ref),
          environment: str(body.environment ?? 'production'),
          payload: body.payload ?? {},
          description: (body.description as string | undefined) ?? null,
          statuses: [],
        };
        state.deployments.push(d);
        return [201, deploymentJson(d)];
      }
      case 'GET /deployments': {
        const env = query.get('environment');
        const sha = query.get('sha');
        const list = state.deployments.filter((d) => (!env || d.environment === env) && (!sha || d.sha === sha)).reverse();
        return [200, paged(list).map(deploymentJson)];
      }
      case 'POST /deployments/{deployment_id}/statuses': {
        const d = state.deployments.find((x) => x.id === Number(p.deployment_id));
        if (!d) return [404, { message: 'Not Found' }];
        const s = {
          id: nextId++,
          state: str(body.state),
          description: (body.description as string | undefined) ?? null,
          environment_url: (body.environment_url as string | undefined) ?? null,
        };
        d.statuses.push(s);
        return [201, { ...s, created_at: now() }];
      }
      case 'GET /deployments/{deployment_id}/statuses': {
        const d = state.deployments.find((x) => x.id === Number(p.deployment_id));
        if (!d) return [404, { message: 'Not Found' }];
        return [200, paged([...d.statuses].reverse()).map((s) => ({ ...s, created_at: now() }))];
      }
      case 'GET /pulls/{pull_number}/commits': {
        const commits = state.pullCommits.get(Number(p.pull_number));
        if (!commits) return [404, { message: 'Not Found' }];
        return [200, paged(commits).map((c) => ({ sha: c.sha, commit: { message: c.message } }))];
      }
      default:
        return [501, { message: `contract server does not implement ${route.operationId}` }];
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      violations.push(`server error: ${String(e)}`);
      send(res, 500, { message: String(e) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    violations,
    tokenUser,
    force: (r) => void forced.push({ ...r }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-github-request-id': 'LOCAL',
  });
  res.end(text);
}

const now = (): string => new Date().toISOString();
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function checkRunJson(r: CheckRunState, repo: string): unknown {
  return {
    id: r.id,
    name: r.name,
    head_sha: r.head_sha,
    status: r.status,
    conclusion: r.conclusion,
    html_url: `https://github.com/${repo}/runs/${r.id}`,
    output: { title: r.output.title, summary: r.output.summary, text: r.output.text, annotations_count: r.output.annotations.length },
  };
}

function commentJson(c: CommentState): unknown {
  return { id: c.id, body: c.body, user: { login: c.user, type: 'Bot' }, html_url: `https://github.com/x/y/issues/${c.issue_number}#issuecomment-${c.id}`, created_at: now(), updated_at: now() };
}

function deploymentJson(d: DeploymentState): unknown {
  return { id: d.id, sha: d.sha, ref: d.ref, environment: d.environment, payload: d.payload, description: d.description, created_at: now(), updated_at: now() };
}
