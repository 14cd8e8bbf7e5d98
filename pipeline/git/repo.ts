// The git adapter: every git call the project makes goes through here, and git failures are
// translated once into the project's error family. One-shot commands run through simple-git
// (argument arrays, never a shell, its option guard on). Untrusted names never sit in argv
// where an option could: revisions and blob names go to `git cat-file --batch*` on stdin,
// paths after `--`. Output that must stream (a 100k-line patch, a blob's lines, the first bytes
// of a blob) comes from a raw `git` child process: simple-git buffers a command's whole output.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type * as SimpleGitNs from 'simple-git';
import type { SimpleGit, SimpleGitOptions } from 'simple-git';
import { ServiceError, UsageError } from '../core/errors.js';

export const ZERO_SHA = /^0+$/;

const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The empty tree's id per object format: no git process needed to name it. */
const EMPTY_TREE: Record<string, string> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/** A git command that exited non-zero; callers that expect failure catch this. */
export class GitCommandError extends ServiceError {
  constructor(
    readonly args: readonly string[],
    readonly exitStatus: number | null,
    readonly stderr: string,
    cause?: unknown,
  ) {
    super('git', `git ${args.slice(0, 2).join(' ')} failed (exit ${String(exitStatus)}): ${firstLines(stderr)}`, { cause });
  }
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' / ') || 'no output';
}

type SimpleGitModule = typeof SimpleGitNs;
let simpleGitModule: Promise<SimpleGitModule> | undefined;
/** Loaded on first use: `shardship --help` and commands that never touch git do not pay for it. */
function loadSimpleGit(): Promise<SimpleGitModule> {
  return (simpleGitModule ??= import('simple-git'));
}

/** How git ended, as simple-git reports it to its `errors` option. */
interface Exit {
  status: number;
  stderr: string;
}
const EXIT = Symbol('git exit');

/** An object a name resolves to, as `git cat-file --batch-check` reports it. */
export interface GitObject {
  id: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
}

/** A local git repository (working tree or bare), addressed by directory. */
export class GitRepo {
  constructor(
    readonly dir: string,
    /** Environment passed to git: inside a pre-receive hook it carries the quarantine object directory. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private client?: Promise<SimpleGit>;
  private readonly memo = new Map<string, Promise<unknown>>();

  /** Answers that cannot change while one command runs (bareness, the object format, a tree by sha). */
  private once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  private async simpleGit(input?: string): Promise<SimpleGit> {
    if (input === undefined && this.client) return this.client;
    const create = async () => {
      const { simpleGit, GitError } = await loadSimpleGit();
      const env = Object.fromEntries(Object.entries(this.env).filter((e): e is [string, string] => e[1] !== undefined));
      const options: Partial<SimpleGitOptions> = {
        baseDir: this.dir,
        maxConcurrentProcesses: 8,
        // The caller's own environment reaches git unchanged, as hooks need: GIT_INDEX_FILE
        // (commit -a), GIT_OBJECT_DIRECTORY / GIT_QUARANTINE_PATH (pre-receive), GIT_DIR, and
        // `git -c` settings as GIT_CONFIG_PARAMETERS / GIT_CONFIG_KEY_<n>. simple-git would strip
        // or refuse every GIT_* variable; these are not untrusted input, names and revisions are.
        allowEnvironment: Object.keys(env),
        allowConfig: Object.entries(env).flatMap(([k, v]) => (/^GIT_CONFIG_KEY_\d+$/.test(k) && v ? [v] : [])),
        unsafe: { allowUnsafeConfigEnvCount: true },
        // simple-git counts a non-zero exit with nothing on stderr as success; for git that is
        // an answer ("not an ancestor", "no such key"), so every non-zero exit is reported.
        errors: (error, result) => {
          if (result.exitCode === 0) return error;
          const stderr = Buffer.concat(result.stdErr).toString('utf8');
          return Object.assign(new GitError(undefined, stderr), { [EXIT]: { status: result.exitCode, stderr } satisfies Exit });
        },
        // cat-file --batch* reads its queries from stdin (a fresh client per query set).
        ...(input !== undefined ? { input: () => input } : {}),
      };
      return simpleGit(options).env(env);
    };
    if (input !== undefined) return create();
    return (this.client ??= create());
  }

  /** Run one git command through simple-git; failures are translated into the error family. */
  private async oneShot<T>(args: readonly string[], run: (git: SimpleGit) => Promise<T>, input?: string): Promise<T> {
    // simple-git writes stdin only when there is something to write: empty input would leave git waiting.
    if (input === '') throw new Error(`git ${args[0] ?? ''}: empty stdin input`);
    try {
      return await run(await this.simpleGit(input));
    } catch (e) {
      throw translate(e, args, this.dir);
    }
  }

  /** stdout of a one-shot git command as text. For this adapter's own modules (diff, log). */
  text(args: string[]): Promise<string> {
    return this.oneShot(args, (git) => git.raw(args));
  }

  /** Like `text`, but undefined when git exits non-zero (the question's answer is "no"). */
  async tryText(args: string[]): Promise<string | undefined> {
    try {
      return await this.text(args);
    } catch (e) {
      if (e instanceof GitCommandError) return undefined;
      throw e;
    }
  }

  /**
   * `git log` output as bytes (messages need not be UTF-8). simple-git hands back bytes only
   * from `show`, which with `--do-walk` walks revisions exactly as `log` does.
   */
  logBytes(args: string[]): Promise<Buffer> {
    return this.oneShot(['log', ...args], (git) => git.showBuffer(['--no-patch', '--do-walk', ...args]));
  }

  /** `git cat-file <args>` with `input` on stdin, stdout as bytes. */
  private catFile(args: string[], input: string): Promise<Buffer> {
    return this.oneShot(['cat-file', ...args], (git) => git.binaryCatFile(args) as Promise<Buffer>, input);
  }

  /**
   * Stream git's stdout line by line, so huge outputs (a 100k-line diff) never sit in memory
   * whole. Rejects after the last line if git failed. A raw child process: simple-git buffers.
   */
  async *lines(args: string[]): AsyncGenerator<string> {
    const child = spawn('git', args, { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(translate(e, args, this.dir, stderr)));
      child.on('close', (code) => resolve(code));
    });
    // Keep a rejection from going unhandled while we are still reading lines.
    exited.catch(() => undefined);
    child.stdout.setEncoding('utf8');
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    try {
      for await (const line of rl) yield line;
    } finally {
      if (child.exitCode === null) child.kill();
    }
    const code = await exited;
    if (code !== 0) throw translate(Object.assign(new Error('git failed'), { code }), args, this.dir, stderr);
  }

  /** Full sha of a commit, or undefined when the rev does not name one. */
  async resolveCommit(rev: string): Promise<string | undefined> {
    const found = await this.objectAt(`${rev}^{commit}`);
    return found?.type === 'commit' ? found.id : undefined;
  }

  /**
   * The object a name (`main~2`, `<sha>^{}`, `HEAD:src/a.ts`) resolves to, or undefined. The name
   * goes to `git cat-file --batch-check` on stdin, never into argv: a ref named `--upload-pack=x`
   * is a revision, not an option, and no option guard mistakes it for one. Names asked for in the
   * same tick share one git process.
   */
  objectAt(name: string): Promise<GitObject | undefined> {
    // One name per line: a line break cannot be part of a ref, and would smuggle in a second name.
    if (/[\r\n]/.test(name)) return Promise.resolve(undefined);
    return this.objects.ask(name);
  }

  private readonly objects = new TickBatch<string, GitObject | undefined>(async (names) => {
    const out = (await this.catFile(['--batch-check=%(objectname) %(objecttype)'], names.join('\n') + '\n')).toString('utf8');
    return parseBatchCheck(out, names.length);
  });

  isShallow(): Promise<boolean> {
    return this.once('shallow', async () => (await this.text(['rev-parse', '--is-shallow-repository'])).trim() === 'true');
  }

  isBare(): Promise<boolean> {
    return this.once('bare', async () => (await this.text(['rev-parse', '--is-bare-repository'])).trim() === 'true');
  }

  /** The top of the working tree. */
  async topLevel(): Promise<string> {
    return (await this.text(['rev-parse', '--show-toplevel'])).trim();
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    return (await this.tryText(['merge-base', '--end-of-options', a, b]))?.trim() || undefined;
  }

  /** The id of the empty tree in this repository's hash format (sha1 or sha256). */
  emptyTree(): Promise<string> {
    return this.once('empty-tree', async () => {
      const format = (await this.text(['rev-parse', '--show-object-format'])).trim();
      const id = EMPTY_TREE[format];
      if (!id) throw new ServiceError('git', `unknown object format "${format}"`);
      return id;
    });
  }

  async configValue(key: string): Promise<string | undefined> {
    return (await this.tryText(['config', '--get', key]))?.trim() || undefined;
  }

  /** Commits selected by rev-list arguments, oldest first. */
  async revList(revArgs: string[]): Promise<string[]> {
    const out = await this.text(['rev-list', '--reverse', '--topo-order', ...revArgs]);
    return out.split('\n').filter(Boolean);
  }

  /**
   * A blob's bytes at `rev:path` (use rev '' for the index), or undefined when absent. Reads
   * asked for in the same tick share one `git cat-file --batch` (a rule reading its 20 changed
   * files pays for one git process, not 20).
   */
  readBlob(rev: string, path: string): Promise<Buffer | undefined> {
    const spec = `${rev}:${path}`;
    // --batch reads one object name per line: a name with a line break goes alone.
    if (/[\r\n]/.test(spec)) return this.readBlobAlone(spec);
    return this.blobs.ask(spec);
  }

  private readonly blobs = new TickBatch<string, Buffer | undefined>(async (specs) =>
    parseCatFileBatch(await this.catFile(['--batch'], specs.join('\n') + '\n'), specs.length),
  );

  private async readBlobAlone(spec: string): Promise<Buffer | undefined> {
    try {
      return await this.oneShot(['cat-file', 'blob', spec], (git) => git.binaryCatFile(['blob', spec]) as Promise<Buffer>);
    } catch (e) {
      if (e instanceof GitCommandError) return undefined;
      throw e;
    }
  }

  /** Whether `a` is an ancestor of (or equal to) `b`. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.tryText(['merge-base', '--is-ancestor', '--end-of-options', a, b])) !== undefined;
  }

  /**
   * The first `bytes` bytes of a blob (by object id), or undefined when it is not a blob.
   * A raw child process, killed once it has said enough: simple-git would read the whole blob.
   */
  blobHead(id: string, bytes: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const child = spawn('git', ['cat-file', 'blob', id], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'ignore'] });
      const chunks: Buffer[] = [];
      let got = 0;
      let done = false;
      const finish = (v: Buffer | undefined) => {
        if (done) return;
        done = true;
        if (child.exitCode === null) child.kill();
        resolve(v);
      };
      child.stdout.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (got >= bytes) finish(Buffer.concat(chunks).subarray(0, bytes));
      });
      child.on('error', () => finish(undefined));
      child.on('close', (code) => finish(code === 0 ? Buffer.concat(chunks).subarray(0, bytes) : undefined));
    });
  }

  /** Paths of every file under `dir` in the tree of `rev` (recursive). */
  listTree(rev: string, dir: string): Promise<string[]> {
    const list = async () => {
      const out = await this.tryText(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', rev, '--', dir]);
      return out ? out.split('\0').filter(Boolean) : [];
    };
    // A tree named by its sha never changes: several rules asking for it share one answer.
    return FULL_SHA.test(rev) ? this.once(`ls-tree\0${rev}\0${dir}`, list) : list();
  }

  /** Sizes of blobs by object id, in one `cat-file --batch-check` call. */
  async blobSizes(ids: string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (!ids.length) return sizes;
    const out = (await this.catFile(['--batch-check=%(objectname) %(objectsize)'], ids.join('\n') + '\n')).toString('utf8');
    for (const line of out.split('\n')) {
      const [id, size] = line.split(' ');
      if (id && size && /^\d+$/.test(size)) sizes.set(id, Number(size));
    }
    return sizes;
  }

  /** Absolute path of the hooks directory, honouring core.hooksPath. */
  async hooksDir(): Promise<string> {
    return (await this.text(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'])).trim();
  }

  /** Committer time of a commit, seconds since the epoch. */
  async commitTime(sha: string): Promise<number> {
    return Number((await this.text(['log', '-1', '--format=%ct', '--end-of-options', sha])).trim());
  }

  /** Tags that point at a commit. */
  async tagsAt(sha: string): Promise<string[]> {
    return ((await this.tryText(['tag', '--points-at', sha])) ?? '').split('\n').filter(Boolean);
  }

  /** The branch HEAD is on, or undefined when detached. */
  async currentBranch(): Promise<string | undefined> {
    return (await this.tryText(['symbolic-ref', '--short', '-q', 'HEAD']))?.trim() || undefined;
  }

  /** A remote's fetch URL, or undefined when there is no such remote. */
  async remoteUrl(name: string): Promise<string | undefined> {
    return (await this.tryText(['remote', 'get-url', '--', name]))?.trim() || undefined;
  }
}

/** Queries asked for in the same tick, answered together by one call. */
class TickBatch<Q, A> {
  private pending: { query: Q; resolve(a: A): void; reject(e: unknown): void }[] = [];

  constructor(private readonly answer: (queries: Q[]) => Promise<A[]>) {}

  ask(query: Q): Promise<A> {
    return new Promise((resolve, reject) => {
      if (!this.pending.length) setImmediate(() => void this.flush());
      this.pending.push({ query, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const answers = await this.answer(batch.map((b) => b.query));
      batch.forEach((b, i) => b.resolve(answers[i] as A));
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }
}

function translate(err: unknown, args: readonly string[], dir: string, rawStderr?: string): Error {
  if (err instanceof ServiceError || err instanceof UsageError) return err;
  const exit = (err as { [EXIT]?: Exit } | undefined)?.[EXIT];
  const e = err as { code?: unknown; message?: unknown; constructor?: { name?: string } };
  const stderr = exit?.stderr ?? rawStderr ?? '';
  // A spawn failure: simple-git reports the child's error as exit -2 and its stack on stderr.
  if (e.code === 'ENOENT' || (exit?.status === -2 && /\bENOENT\b/.test(stderr) && /spawn git\b/.test(stderr))) {
    return new ServiceError('git', 'the git executable was not found', { hint: 'install git (apt-get install git)', cause: err });
  }
  if (/not a git repository/i.test(stderr)) {
    return new UsageError(`${dir} is not a git repository`, { hint: 'run inside a git checkout, or pass --repo DIR', cause: err });
  }
  if (e.constructor?.name === 'GitConstructError') {
    return new UsageError(`${dir} is not a directory`, { hint: 'run inside a git checkout, or pass --repo DIR', cause: err });
  }
  if (exit) return new GitCommandError(args, exit.status, stderr, err);
  if (typeof e.code === 'number' || rawStderr !== undefined) return new GitCommandError(args, typeof e.code === 'number' ? e.code : null, stderr, err);
  // simple-git refused to run it (its option or environment guard): ours is a defect to fix here.
  return new ServiceError('git', `git ${args.slice(0, 2).join(' ')} was not run: ${String(e.message ?? err)}`, { cause: err });
}

/**
 * `git cat-file --batch-check=%(objectname) %(objecttype)` output for `count` names: one line
 * each, `<oid> <type>`, or `<name> missing` / `ambiguous` (names may hold spaces).
 */
export function parseBatchCheck(out: string, count: number): (GitObject | undefined)[] {
  const lines = out.split('\n');
  const answers: (GitObject | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const m = /^([0-9a-f]{40,64}) (commit|tree|blob|tag)$/.exec(lines[i] ?? '');
    answers.push(m ? { id: m[1]!, type: m[2] as GitObject['type'] } : undefined);
  }
  return answers;
}

/**
 * `git cat-file --batch` output for `count` queries: per query `<oid> <type> <size>\n<bytes>\n`,
 * or `<query> missing` / `ambiguous`. Only blobs count as found (a path naming a tree is absent).
 */
export function parseCatFileBatch(out: Buffer, count: number): (Buffer | undefined)[] {
  const answers: (Buffer | undefined)[] = [];
  let at = 0;
  while (answers.length < count) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw new Error(`git cat-file --batch answered ${answers.length} of ${count} queries`);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^[0-9a-f]{40,64} (\S+) (\d+)$/.exec(header);
    if (!m) {
      answers.push(undefined); // "<query> missing" or "ambiguous"
      continue;
    }
    const size = Number(m[2]);
    answers.push(m[1] === 'blob' ? out.subarray(at, at + size) : undefined);
    at += size + 1;
  }
  return answers;
}
