// Build what the gate checks (GateSubject) for each input mode. Every mode ends in the same
// shape, so one rule engine serves CI ranges, pull requests, local hooks and the server hook.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { UsageError } from '../core/errors.js';
import { blobAsFile, changedPaths, DEFAULT_DIFF_LIMITS, diffFiles, streamAddedLines, streamBlobLines, type DiffLimits } from '../git/diff.js';
import { decodeMessage, readCommits, type RawCommit } from '../git/log.js';
import { ZERO_SHA, type GitRepo } from '../git/repo.js';
import { readPullRequestEvent } from './pr-event.js';
import type { RefUpdate } from './pre-receive.js';
import type { CommitChange, CommitInfo, GateSubject } from './types.js';

export type GateMode =
  | { kind: 'range'; from: string; to: string }
  /** A pushed new branch: the commits `head` has that `branchFrom` (the default branch) has not; without it, from the root. */
  | { kind: 'new-branch'; head: string; branchFrom?: string }
  | { kind: 'pr'; base?: string; head?: string; title?: string; eventPath?: string }
  | { kind: 'staged' }
  | { kind: 'commit-msg'; file: string }
  | { kind: 'pre-receive'; updates: RefUpdate[] };

export interface CollectOptions {
  /** Collect per-commit and net file changes; false when only message rules are on. */
  withFiles: boolean;
  limits?: DiffLimits;
}

/** One subject per thing to check (one per pushed ref in a pre-receive hook). */
export async function collectSubjects(repo: GitRepo, mode: GateMode, opts: CollectOptions): Promise<GateSubject[]> {
  switch (mode.kind) {
    case 'range': {
      const from = await resolveRev(repo, mode.from, '--from');
      const to = await resolveRev(repo, mode.to, '--to');
      return [await rangeSubject(repo, { from, to, target: from }, opts)];
    }
    case 'new-branch':
      return [await newBranchSubject(repo, mode, opts)];
    case 'pr':
      return [await prSubject(repo, mode, opts)];
    case 'staged':
      return [await stagedSubject(repo, opts)];
    case 'commit-msg':
      return [await commitMsgSubject(repo, mode.file)];
    case 'pre-receive':
      return preReceiveSubjects(repo, mode.updates, opts);
  }
}

/** Resolve a rev to a commit sha, explaining a shallow clone when that is why it is missing. */
export async function resolveRev(repo: GitRepo, rev: string, flag: string): Promise<string> {
  if (ZERO_SHA.test(rev)) {
    throw new UsageError(`${flag} is the all-zero sha (a new branch has no "before" commit)`, {
      hint: `pass the branch it was created from instead, e.g. ${flag} origin/main`,
    });
  }
  const sha = await repo.resolveCommit(rev);
  if (sha) return sha;
  if (await repo.isShallow()) {
    throw new UsageError(`${flag} ${rev}: commit not found, and this is a shallow clone that does not contain it`, {
      hint: 'fetch the full history: actions/checkout with `fetch-depth: 0`, or run `git fetch --unshallow`',
    });
  }
  throw new UsageError(`${flag} ${rev} does not name a commit in this repository`, {
    hint: 'check the revision (git log --oneline --all), or fetch it first',
  });
}

function toCommitInfo(c: RawCommit): CommitInfo {
  return { sha: c.sha, parents: c.parents, author: c.author, message: c.message, isMerge: c.parents.length > 1 };
}

async function commitChanges(repo: GitRepo, commits: RawCommit[], opts: CollectOptions): Promise<CommitChange[]> {
  if (!opts.withFiles) return commits.map((c) => ({ commit: toCommitInfo(c), files: [] }));
  const empty = commits.some((c) => c.parents.length === 0) ? await repo.emptyTree() : '';
  const limit = pLimit(4);
  const limits = opts.limits ?? DEFAULT_DIFF_LIMITS;
  // Merge commits are compared with their first parent (what the merge brought to the branch).
  return Promise.all(
    commits.map((c) =>
      limit(async () => ({ commit: toCommitInfo(c), files: await diffFiles(repo, { from: c.parents[0] ?? empty, to: c.sha }, limits) })),
    ),
  );
}

interface RangeSpec {
  /** Commits in the range are those reachable from `to` and not from `exclude` (default: from). */
  from: string;
  to: string;
  /** Tip of the branch the range lands on: what migrations are compared with. */
  target: string | undefined;
  revArgs?: string[];
  label?: string;
  extraMessages?: { source: string; message: string }[];
}

async function rangeSubject(repo: GitRepo, spec: RangeSpec, opts: CollectOptions): Promise<GateSubject> {
  const mergeBase = await repo.mergeBase(spec.from, spec.to);
  if (!mergeBase && (await repo.isShallow())) {
    throw new UsageError(`cannot find the common ancestor of ${spec.from.slice(0, 12)} and ${spec.to.slice(0, 12)}: this is a shallow clone`, {
      hint: 'fetch the full history: actions/checkout with `fetch-depth: 0`, or run `git fetch --unshallow`',
    });
  }
  const raw = await readCommits(repo, spec.revArgs ?? [spec.to, `^${spec.from}`]);
  const base = mergeBase ?? spec.from;
  // One commit straight on the base (a hook's or CI's usual push): its change is the net change.
  const single = raw.length === 1 && raw[0]!.sha === spec.to && raw[0]!.parents.length === 1 && raw[0]!.parents[0] === base;
  const [commits, diffed] = await Promise.all([
    commitChanges(repo, raw, opts),
    opts.withFiles && !single ? diffFiles(repo, { from: base, to: spec.to }, opts.limits ?? DEFAULT_DIFF_LIMITS) : undefined,
  ]);
  const net = diffed ?? (single ? commits[0]!.files : []);
  const target = spec.target;
  const firstParent = new Map(raw.map((c) => [c.sha, c.parents[0]]));
  return {
    repoDir: repo.dir,
    ...(spec.label ? { label: spec.label } : {}),
    commits,
    net,
    base,
    head: spec.to,
    ...(spec.extraMessages ? { extraMessages: spec.extraMessages } : {}),
    readAtHead: (path) => repo.readBlob(spec.to, path),
    listAtBase: async (dir) => (target ? repo.listTree(target, dir) : []),
    async *streamAddedLines(commit, path) {
      if (!commit) return;
      // Like commitChanges: a commit against its first parent, a root commit against the empty tree.
      yield* streamAddedLines(repo, { from: firstParent.get(commit) ?? (await repo.emptyTree()), to: commit }, path);
    },
  };
}

async function newBranchSubject(repo: GitRepo, mode: Extract<GateMode, { kind: 'new-branch' }>, opts: CollectOptions): Promise<GateSubject> {
  const head = await resolveRev(repo, mode.head, 'head');
  let fork: string | undefined;
  if (mode.branchFrom) {
    // In CI the default branch is a remote-tracking ref; in a plain clone it may be local.
    for (const ref of [`refs/remotes/origin/${mode.branchFrom}`, `refs/heads/${mode.branchFrom}`]) {
      fork = await repo.resolveCommit(ref);
      if (fork) break;
    }
    if (!fork) {
      throw new UsageError(`cannot find the default branch ${mode.branchFrom} to tell which commits of the new branch are new`, {
        hint: 'fetch it: actions/checkout with `fetch-depth: 0` (or `git fetch origin ' + mode.branchFrom + '`)',
      });
    }
  }
  if (!fork) {
    // A repository's first push: every commit, the root against the empty tree.
    return rangeSubject(repo, { from: await repo.emptyTree(), to: head, target: undefined, revArgs: [head] }, opts);
  }
  return rangeSubject(repo, { from: fork, to: head, target: fork }, opts);
}

async function prSubject(repo: GitRepo, mode: Extract<GateMode, { kind: 'pr' }>, opts: CollectOptions): Promise<GateSubject> {
  const event = mode.eventPath ? await readPullRequestEvent(mode.eventPath) : undefined;
  const baseRev = mode.base ?? event?.base;
  const headRev = mode.head ?? event?.head;
  if (!baseRev || !headRev) {
    throw new UsageError('--pr needs the pull request base and head', {
      hint: 'run it in a pull_request workflow (GITHUB_EVENT_PATH), or pass --base REV --head REV',
    });
  }
  const base = await resolveRev(repo, baseRev, '--base');
  const head = await resolveRev(repo, headRev, '--head');
  const title = mode.title ?? event?.title;
  // The PR title is the predicted squash commit message: check it like one.
  const extraMessages = title ? [{ source: 'pull request title', message: title }] : undefined;
  return rangeSubject(repo, { from: base, to: head, target: base, label: event?.number ? `pull request #${event.number}` : 'pull request', ...(extraMessages ? { extraMessages } : {}) }, opts);
}

async function stagedSubject(repo: GitRepo, opts: CollectOptions): Promise<GateSubject> {
  const headSha = await repo.resolveCommit('HEAD');
  const from = headSha ?? (await repo.emptyTree());
  const net = await diffFiles(repo, { from, to: 'INDEX' }, opts.limits ?? DEFAULT_DIFF_LIMITS);
  return {
    repoDir: repo.dir,
    commits: [],
    net,
    ...(headSha ? { base: headSha } : {}),
    head: 'STAGED',
    readAtHead: (path) => repo.readBlob('', path),
    listAtBase: async (dir) => (headSha ? repo.listTree(headSha, dir) : []),
    streamAddedLines: (_commit, path) => streamAddedLines(repo, { from, to: 'INDEX' }, path),
  };
}

/** Drop what git itself strips from an edited message: comment lines and everything below the scissors. */
export function cleanEditedMessage(text: string, commentChar = '#'): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (line === `${commentChar} ------------------------ >8 ------------------------`) break;
    if (line.startsWith(commentChar)) continue;
    out.push(line.trimEnd());
  }
  return out.join('\n').replace(/^\n+/, '').replace(/\n+$/, '') + '\n';
}

async function commitMsgSubject(repo: GitRepo, file: string): Promise<GateSubject> {
  const path = resolve(repo.dir, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read the commit message file ${file}: ${(e as Error).message}`, { cause: e });
  }
  const encoding = await repo.configValue('i18n.commitEncoding');
  const commentChar = (await repo.configValue('core.commentChar')) ?? '#';
  const message = cleanEditedMessage(decodeMessage(bytes, encoding), commentChar === 'auto' ? '#' : commentChar);
  // A merge in progress: the message belongs to a merge commit.
  const isMerge = (await repo.resolveCommit('MERGE_HEAD')) !== undefined;
  const head = await repo.resolveCommit('HEAD');
  return {
    repoDir: repo.dir,
    commits: [{ commit: { sha: '', parents: head ? [head] : [], author: '', message, isMerge }, files: [] }],
    net: [],
    ...(head ? { base: head } : {}),
    readAtHead: (p) => repo.readBlob('', p),
    listAtBase: async (dir) => (head ? repo.listTree(head, dir) : []),
  };
}

async function preReceiveSubjects(repo: GitRepo, updates: RefUpdate[], opts: CollectOptions): Promise<GateSubject[]> {
  const subjects: GateSubject[] = [];
  for (const u of updates) {
    if (ZERO_SHA.test(u.newSha)) continue; // a deletion carries no commits
    // A tag may point at a tree or a blob: no commit reaches those, but the push still puts them on the server.
    const peeled = await repo.objectAt(`${u.newSha}^{}`);
    if (peeled && (peeled.type === 'tree' || peeled.type === 'blob')) {
      subjects.push(await objectSubject(repo, u.ref, peeled.id, peeled.type, opts));
      continue;
    }
    // Only commits no existing ref reaches are new: this covers new branches (old = zeros),
    // fast-forwards and force pushes alike, and never re-checks commits already on the server.
    const revArgs = [u.newSha, '--not', '--all'];
    const oldTip = ZERO_SHA.test(u.oldSha) ? undefined : u.oldSha;
    let from = oldTip;
    let target = oldTip;
    if (!from) {
      const fresh = await repo.revList(revArgs);
      const oldest = fresh[0];
      if (!oldest) continue; // the commits are all known already (a new branch at an existing commit)
      // A new branch forks from the parent of its oldest new commit: that is its "target".
      target = await repo.resolveCommit(`${oldest}^`); // its first parent; none for a root commit
      from = target ?? (await repo.emptyTree());
    }
    const subject = await rangeSubject(repo, { from, to: u.newSha, target, revArgs, label: u.ref }, opts);
    // A force push (the old tip is not an ancestor of the new one) takes files away from the branch:
    // an applied migration among them must fail, even when the push adds no commit (a rewind).
    if (oldTip && opts.withFiles && !(await repo.isAncestor(oldTip, u.newSha))) {
      const rewound = (await changedPaths(repo, { from: oldTip, to: u.newSha })).filter((f) => f.status !== 'added');
      if (rewound.length) subject.rewound = rewound;
    }
    if (subject.commits.length || subject.rewound) subjects.push(subject);
  }
  return subjects;
}

/** The files of a tree, or one blob, that a ref points at directly: checked as if a commit added them. */
async function objectSubject(repo: GitRepo, ref: string, id: string, type: 'tree' | 'blob', opts: CollectOptions): Promise<GateSubject> {
  const limits = opts.limits ?? DEFAULT_DIFF_LIMITS;
  const common = { repoDir: repo.dir, label: ref, commits: [], objects: true, listAtBase: () => Promise.resolve([]) };
  if (type === 'tree') {
    const empty = await repo.emptyTree();
    return {
      ...common,
      net: opts.withFiles ? await diffFiles(repo, { from: empty, to: id }, limits) : [],
      readAtHead: (path) => repo.readBlob(id, path),
      streamAddedLines: (_commit, path) => streamAddedLines(repo, { from: empty, to: id }, path),
    };
  }
  // A blob has no name: the report names the ref and the object.
  const name = `${ref} (blob ${id.slice(0, 12)})`;
  return {
    ...common,
    net: opts.withFiles ? [await blobAsFile(repo, id, name, limits)] : [],
    readAtHead: () => Promise.resolve(undefined),
    streamAddedLines: (_commit, path) => (path === name ? streamBlobLines(repo, id) : (async function* () {})()),
  };
}
