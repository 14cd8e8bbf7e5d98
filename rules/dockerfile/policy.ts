// Shared plumbing for the Dockerfile policy: parse once with dockerfile-ast, split into
// stages, and turn a policy (data in, findings out) into a gate rule that runs on the
// Dockerfiles a commit range adds or changes.
import { basename } from 'node:path';
import { DockerfileParser, type Comment, type Dockerfile, type From, type Instruction } from 'dockerfile-ast';
import type { Finding, GateRule, GateSubject, RuleContext } from '../../pipeline/gate/types.js';

export interface DockerfileStage {
  index: number;
  from: From;
  /** `AS name`, lowercased. */
  name?: string;
  /** Instructions after the FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface DockerfileDoc {
  path: string;
  text: string;
  ast: Dockerfile;
  stages: DockerfileStage[];
  comments: Comment[];
  /** ARG defaults declared before the first FROM (usable in FROM lines). */
  globalArgs: Record<string, string>;
}

export interface PolicyFinding {
  message: string;
  /** 1-based. */
  line: number;
  column?: number;
  hint?: string;
  /** A secret value the finding is about: masked by the engine wherever any rule would print it. */
  secret?: string;
}

export interface DockerfilePolicy {
  id: string;
  defaultSeverity: 'error' | 'warn' | 'off';
  description: string;
  check(doc: DockerfileDoc): PolicyFinding[];
}

/** Dockerfile, Dockerfile.prod, api.Dockerfile, Containerfile. */
export function isDockerfilePath(path: string): boolean {
  const b = basename(path);
  return b === 'Dockerfile' || b.startsWith('Dockerfile.') || b.endsWith('.Dockerfile') || b.endsWith('.dockerfile') || b === 'Containerfile';
}

export function parseDockerfile(path: string, text: string): DockerfileDoc {
  const ast = DockerfileParser.parse(text);
  const stages: DockerfileStage[] = [];
  for (const ins of ast.getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const from = ins as From;
      const name = from.getBuildStage()?.toLowerCase();
      stages.push({ index: stages.length, from, ...(name ? { name } : {}), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  const globalArgs: Record<string, string> = {};
  for (const arg of ast.getInitialARGs()) {
    const p = arg.getProperty();
    const v = p?.getValue();
    if (p && v) globalArgs[p.getName()] = v;
  }
  return { path, text, ast, stages, comments: ast.getComments(), globalArgs };
}

/** 1-based line of an AST node. */
export function lineOf(node: { getRange(): { start: { line: number; character: number } } }): { line: number; column: number } {
  const r = node.getRange();
  return { line: r.start.line + 1, column: r.start.character + 1 };
}

export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

/** The image a FROM names, with build-time ARG defaults substituted; undefined when it cannot be known statically. */
export function fromImage(doc: DockerfileDoc, stage: DockerfileStage): ImageRef | 'scratch' | { stage: DockerfileStage } | undefined {
  const raw = stage.from.getImage();
  if (!raw) return undefined;
  const image = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => doc.globalArgs[(a ?? b)!] ?? m);
  if (image.includes('$')) return undefined;
  if (image.toLowerCase() === 'scratch') return 'scratch';
  const parent = doc.stages.find((s) => s.index < stage.index && s.name === image.toLowerCase());
  if (parent) return { stage: parent };
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const nameTag = at >= 0 ? image.slice(0, at) : image;
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > nameTag.lastIndexOf('/');
  return { name: hasTag ? nameTag.slice(0, colon) : nameTag, ...(hasTag ? { tag: nameTag.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}

/** The final stage and the stages it builds on (FROM <stage>), final first: their layers ship. */
export function shippedStages(doc: DockerfileDoc): DockerfileStage[] {
  const chain: DockerfileStage[] = [];
  let s = doc.stages.at(-1);
  while (s && !chain.includes(s)) {
    chain.push(s);
    const base = fromImage(doc, s);
    s = base && typeof base === 'object' && 'stage' in base ? base.stage : undefined;
  }
  return chain;
}

const parsed = new WeakMap<GateSubject, Map<string, Promise<DockerfileDoc | undefined>>>();

/** Changed Dockerfiles at head, parsed once per gate run whatever the number of rules. */
export function changedDockerfiles(subject: GateSubject): Promise<DockerfileDoc | undefined>[] {
  let cache = parsed.get(subject);
  if (!cache) {
    cache = new Map<string, Promise<DockerfileDoc | undefined>>();
    parsed.set(subject, cache);
  }
  const out: Promise<DockerfileDoc | undefined>[] = [];
  for (const f of subject.net) {
    if (f.status === 'deleted' || f.binary || f.submodule || !isDockerfilePath(f.path)) continue;
    let doc = cache.get(f.path);
    if (!doc) {
      doc = subject.readAtHead(f.path).then((buf) => (buf ? parseDockerfile(f.path, buf.toString('utf8')) : undefined));
      cache.set(f.path, doc);
    }
    out.push(doc);
  }
  return out;
}

/** Run a policy on every Dockerfile the gate subject adds or changes. */
export function policyRule(policy: DockerfilePolicy): GateRule {
  return {
    id: policy.id,
    group: 'dockerfile',
    defaultSeverity: policy.defaultSeverity,
    description: policy.description,
    async check(ctx: RuleContext): Promise<Omit<Finding, 'severity'>[]> {
      const findings: Omit<Finding, 'severity'>[] = [];
      for (const docPromise of changedDockerfiles(ctx.subject)) {
        const doc = await docPromise;
        if (!doc) continue;
        for (const f of policy.check(doc)) {
          findings.push({ ruleId: policy.id, file: doc.path, line: f.line, ...(f.column ? { column: f.column } : {}), message: f.message, ...(f.hint ? { hint: f.hint } : {}), ...(f.secret ? { secret: f.secret } : {}) });
        }
      }
      return findings;
    },
  };
}

/** Lint one Dockerfile with a set of policies (the build's pre-flight and tests). */
export function lintDockerfile(path: string, text: string, policies: DockerfilePolicy[]): (PolicyFinding & { ruleId: string; severity: 'error' | 'warn' })[] {
  const doc = parseDockerfile(path, text);
  return policies
    .filter((p) => p.defaultSeverity !== 'off')
    .flatMap((p) => p.check(doc).map((f) => ({ ...f, ruleId: p.id, severity: p.defaultSeverity as 'error' | 'warn' })));
}
