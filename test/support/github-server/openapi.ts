// GitHub's published OpenAPI description (@octokit/openapi) turned into a request checker:
// match method + path template, then validate path params, query and JSON body against the
// operation's schemas with ajv. Loaded once per process (the JSON is ~13 MB).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, Parameter> } & Record<string, unknown>;
}

export interface Route {
  method: string;
  template: string;
  operationId: string;
  params: Record<string, string>;
}

export interface CheckResult {
  route?: Route;
  /** Empty when the request conforms to the description. */
  problems: string[];
}

interface CompiledRoute {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  staticSegments: number;
  op: Operation;
}

let spec: OpenApiChecker | undefined;

/** The checker for api.github.com, built once per process. */
export function githubSpec(): OpenApiChecker {
  spec ??= new OpenApiChecker(loadDoc());
  return spec;
}

function loadDoc(): OpenApiDoc {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDoc;
}

// Component refs are rewritten to point into one shared schema so ajv resolves them lazily.
function rebase<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"gh#/components/')) as T;
}

export class OpenApiChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: false });
  private readonly routes: CompiledRoute[] = [];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDoc) {
    this.ajv.addSchema({ $id: 'gh', components: doc.components });
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !('operationId' in op)) continue;
        const names: string[] = [];
        const segments = template.split('/');
        const pattern = segments
          .map((seg) => {
            const m = /^\{([^}]+)\}$/.exec(seg);
            if (m) {
              names.push(m[1]!);
              // GitHub marks a few params (sha, ref, path) as able to span segments.
              const multi = this.param(op, m[1]!)?.['x-multi-segment' as keyof Parameter];
              return multi ? '(.+)' : '([^/]+)';
            }
            return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('/');
        this.routes.push({
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${pattern}$`),
          names,
          staticSegments: segments.filter((s) => !s.startsWith('{')).length,
          op,
        });
      }
    }
    // Prefer the most specific template (most literal segments) when several match.
    this.routes.sort((a, b) => b.staticSegments - a.staticSegments);
  }

  private params(op: Operation): Parameter[] {
    return (op.parameters ?? []).map((p) => ('$ref' in p ? this.doc.components.parameters[p.$ref.split('/').pop()!]! : p));
  }

  private param(op: Operation, name: string): Parameter | undefined {
    return this.params(op).find((p) => p.name === name && p.in === 'path');
  }

  private validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(rebase(schema));
      this.cache.set(key, v);
    }
    return v;
  }

  check(method: string, pathname: string, query: URLSearchParams, body: unknown, hasBody: boolean): CheckResult {
    const candidates = this.routes.filter((r) => r.regex.test(pathname));
    if (candidates.length === 0) return { problems: [`no operation in GitHub's OpenAPI description matches path ${pathname}`] };
    const r = candidates.find((c) => c.method === method);
    if (!r) return { problems: [`${method} is not an operation of ${candidates[0]!.template}`] };
    const m = r.regex.exec(pathname)!;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    const route: Route = { method, template: r.template, operationId: r.op.operationId, params };
    const problems: string[] = [];
    const declared = this.params(r.op);
    for (const p of declared) {
      const raw = p.in === 'path' ? params[p.name] : p.in === 'query' ? (query.get(p.name) ?? undefined) : undefined;
      if (p.in !== 'path' && p.in !== 'query') continue;
      if (raw === undefined) {
        if (p.required) problems.push(`missing required ${p.in} parameter ${p.name}`);
        continue;
      }
      if (p.schema) {
        const value = coerce(raw, p.schema);
        const v = this.validator(`${r.op.operationId}#${p.in}:${p.name}`, p.schema);
        if (!v(value)) problems.push(`${p.in} parameter ${p.name}=${JSON.stringify(raw)}: ${describe(v.errors)}`);
      }
    }
    for (const name of query.keys()) {
      if (!declared.some((p) => p.in === 'query' && p.name === name)) problems.push(`unknown query parameter ${name}`);
    }
    const bodySchema = r.op.requestBody?.content?.['application/json']?.schema;
    if (!bodySchema) {
      if (hasBody && body !== undefined && !(typeof body === 'object' && body && Object.keys(body).length === 0)) {
        problems.push(`${r.op.operationId} takes no request body`);
      }
    } else if (!hasBody) {
      if (r.op.requestBody?.required) problems.push(`${r.op.operationId} requires a JSON body`);
    } else {
      const v = this.validator(`${r.op.operationId}#body`, bodySchema);
      if (!v(body)) problems.push(`body of ${r.op.operationId}: ${describe(v.errors)}`);
    }
    return { route, problems };
  }
}

function coerce(raw: string, schema: Record<string, unknown>): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`)
    .join('; ');
}
