// The git adapter: every git call the project makes goes through here, as `execFile('git',
// [...args])` with argument arrays (never a shell), and git failures are translated once
// into the project's error family.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ServiceError, UsageError } from '../core/errors.js';

export const ZERO_SHA = /^0+$/;

export interface GitRunOptions {
  /** Bytes written to git's stdin. */
  input?: string | Buffer;
}

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

const MAX_BUFFER = 512 * 1024 * 1024;

/** A local git repository (working tree or bare), addressed by directory. */
export class GitRepo {
  constructor(
    readonly dir: string,
    /** Environment passed to git: inside a pre-receive hook it carries the quarantine object directory. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Run git and return stdout as bytes. */
  run(args: string[], opts: GitRunOptions = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        args,
        { cwd: this.dir, env: this.env, encoding: 'buffer', maxBuffer: MAX_BUFFER },
        (err, stdout, stderr) => {
          if (err) {
            reject(translate(err, args, stderr.toString('utf8'), this.dir));
            return;
          }
          resolve(stdout);
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }

  async text(args: string[], opts: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, opts)).toString('utf8');
  }

  /** Like `text`, but undefined when git exits non-zero (the question's answer is "no"). */
  async tryText(args: string[], opts: GitRunOptions = {}): Promise<string | undefined> {
    try {
      return await this.text(args, opts);
    } catch (e) {
      if (e instanceof GitCommandError) return undefined;
      throw e;
    }
  }

  /**
   * Stream git's stdout line by line, so huge outputs (a 100k-line diff) never sit in memory
   * whole. Rejects after the last line if git failed.
   */
  async *lines(args: string[]): AsyncGenerator<string> {
    const child = spawn('git', args, { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(translate(e, args, stderr, this.dir)));
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
    if (code !== 0) throw translate(Object.assign(new Error('git failed'), { code }), args, stderr, this.dir);
  }

  /** Full sha of a commit, or undefined when the rev does not name one. */
  async resolveCommit(rev: string): Promise<string | undefined> {
    const out = await this.tryText(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    return out?.trim() || undefined;
  }

  async isShallow(): Promise<boolean> {
    return (await this.text(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  async isBare(): Promise<boolean> {
    return (await this.text(['rev-parse', '--is-bare-repository'])).trim() === 'true';
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    return (await this.tryText(['merge-base', a, b]))?.trim() || undefined;
  }

  /** The id of the empty tree in this repository's hash format (sha1 or sha256). */
  async emptyTree(): Promise<string> {
    return (await this.text(['hash-object', '-t', 'tree', '--stdin'], { input: '' })).trim();
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
    return new Promise((resolve, reject) => {
      if (!this.pendingBlobs.length) setImmediate(() => void this.flushBlobs());
      this.pendingBlobs.push({ spec, resolve, reject });
    });
  }

  private pendingBlobs: { spec: string; resolve(b: Buffer | undefined): void; reject(e: unknown): void }[] = [];

  private async flushBlobs(): Promise<void> {
    const batch = this.pendingBlobs;
    this.pendingBlobs = [];
    try {
      const answers = parseCatFileBatch(await this.run(['cat-file', '--batch'], { input: batch.map((b) => b.spec).join('\n') + '\n' }), batch.length);
      batch.forEach((b, i) => b.resolve(answers[i]));
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }

  private async readBlobAlone(spec: string): Promise<Buffer | undefined> {
    try {
      return await this.run(['cat-file', 'blob', spec]);
    } catch (e) {
      if (e instanceof GitCommandError) return undefined;
      throw e;
    }
  }

  /** Whether `a` is an ancestor of (or equal to) `b`. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.tryText(['merge-base', '--is-ancestor', a, b])) !== undefined;
  }

  /** The first `bytes` bytes of a blob (by object id), or undefined when it is not a blob. */
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
  async listTree(rev: string, dir: string): Promise<string[]> {
    const out = await this.tryText(['ls-tree', '-r', '-z', '--name-only', rev, '--', dir]);
    return out ? out.split('\0').filter(Boolean) : [];
  }

  /** Sizes of blobs by object id, in one `cat-file --batch-check` call. */
  async blobSizes(ids: string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (!ids.length) return sizes;
    const out = await this.text(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: ids.join('\n') + '\n' });
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
}

function translate(err: unknown, args: readonly string[], stderr: string, dir: string): Error {
  const e = err as { code?: unknown };
  if (e.code === 'ENOENT') {
    return new ServiceError('git', 'the git executable was not found', { hint: 'install git (apt-get install git)', cause: err });
  }
  if (/not a git repository/i.test(stderr)) {
    return new UsageError(`${dir} is not a git repository`, { hint: 'run inside a git checkout, or pass --repo DIR', cause: err });
  }
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new ServiceError('git', `output of git ${args[0] ?? ''} is too large`, { cause: err });
  }
  return new GitCommandError(args, typeof e.code === 'number' ? e.code : null, stderr, err);
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

