// The build context, made in-process as a deterministic tar: entries in sorted order,
// every mtime = the commit time, uid/gid 0 with no names, modes normalised to what git
// records (0755 when any exec bit is set, else 0644). Two checkouts of one commit give
// byte-identical archives, so the context digest identifies the source.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Ignore } from '@balena/dockerignore';
import { pack as tarPack, type Headers } from 'tar-stream';
import { loadDockerignore, matcherFor } from './dockerignore.js';

export interface ContextSummary {
  /** sha256 of the tar bytes, `sha256:<hex>`. */
  digest: string;
  bytes: number;
  files: number;
  ignored: number;
}

export interface ContextArchive {
  stream: Readable;
  /** Settles when the whole archive has been produced (the stream must be consumed). */
  summary: Promise<ContextSummary>;
}

interface ContextEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink';
}

/** Files read whole; bigger ones are streamed so memory stays bounded. */
const SMALL_FILE = 4 * 1024 * 1024;
const WINDOW_ENTRIES = 256;
const WINDOW_BYTES = 8 * 1024 * 1024;

/** Byte order of UTF-8 names, independent of locale. */
function byName(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface ContextOptions {
  /** Dockerfile path relative to the context: always sent, even when .dockerignore matches it (as docker does). */
  dockerfile: string;
  /** Seconds since the epoch for every entry's mtime. */
  mtime: number;
}

/** The context's entries in archive order, with what .dockerignore leaves out counted. */
export async function listContext(dir: string, opts: { dockerfile: string }): Promise<{ entries: ContextEntry[]; ignored: number }> {
  const patterns = await loadDockerignore(dir);
  const ig = matcherFor(patterns);
  // Without exceptions (`!pattern`) nothing inside an ignored folder can come back, so the walk may skip it.
  const canPrune = !patterns.some((p) => p.startsWith('!'));
  const matches = canPrune ? fastMatcher(ig) : undefined;
  const always = new Set([normalise(opts.dockerfile), '.dockerignore']);
  const entries: ContextEntry[] = [];
  let ignored = 0;

  // Synchronous on purpose: thousands of tiny syscalls are cheaper without thread-pool hops.
  const walk = (rel: string): void => {
    const dirents = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
    dirents.sort((a, b) => byName(a.name, b.name));
    for (const d of dirents) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      // .git differs between clones (packs, index stamps) and is not source: never sent.
      if (!rel && d.name === '.git') continue;
      const type = d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'file' : undefined;
      if (!type) continue;
      const isIgnored = patterns.length > 0 && !always.has(path) && (matches ? matches(path) : ig.ignores(path));
      if (type === 'directory') {
        if (isIgnored && canPrune) {
          ignored++;
          continue;
        }
        if (!isIgnored) entries.push({ path, type });
        walk(path);
        continue;
      }
      if (isIgnored) {
        ignored++;
        continue;
      }
      entries.push({ path, type });
    }
  };
  walk('');
  return { entries, ignored };
}

interface CompiledRule {
  negative: boolean;
}
interface MatcherInternals {
  _rules?: CompiledRule[];
  _compile?: (rule: CompiledRule) => { regexp?: RegExp };
}

/**
 * The matcher's own rules, minus its parent-folder checks. Valid only while walking with
 * pruning and no exceptions: every parent was already checked and kept, so a path is
 * ignored exactly when a rule matches the path itself. It saves most of the matcher's
 * per-file cost on big trees; falls back to `ignores()` if the package's internals change.
 */
function fastMatcher(ig: Ignore): ((path: string) => boolean) | undefined {
  const inner = ig as unknown as MatcherInternals;
  if (!Array.isArray(inner._rules) || typeof inner._compile !== 'function') return undefined;
  const regexps: RegExp[] = [];
  for (const rule of inner._rules) {
    const re = inner._compile.call(ig, rule).regexp;
    if (!(re instanceof RegExp) || rule.negative) return undefined;
    regexps.push(re);
  }
  return (path) => regexps.some((re) => re.test(path));
}

function normalise(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

class Digester extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

type Loaded = { kind: 'small'; data: Buffer; mode: number } | { kind: 'large'; size: number; mode: number } | { kind: 'link'; target: string };

/**
 * Small files are read synchronously: for thousands of tiny files one syscall each beats
 * four thread-pool round trips each, and the loop still yields to the upload between entries.
 */
function load(dir: string, e: ContextEntry): Loaded | undefined {
  const abs = join(dir, e.path);
  if (e.type === 'symlink') return { kind: 'link', target: readlinkSync(abs) };
  if (e.type === 'directory') return undefined;
  const fd = openSync(abs, 'r');
  try {
    const st = fstatSync(fd);
    const mode = st.mode & 0o111 ? 0o755 : 0o644;
    if (st.size > SMALL_FILE) return { kind: 'large', size: st.size, mode };
    const data = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, data, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    // A file that shrank while read must not corrupt the archive.
    return { kind: 'small', data: off === st.size ? data : data.subarray(0, off), mode };
  } finally {
    closeSync(fd);
  }
}

/** Build the context archive as a stream, with its digest and size once it is consumed. */
export function createContextArchive(dir: string, opts: ContextOptions): ContextArchive {
  const pack = tarPack();
  const digester = new Digester();
  const mtime = new Date(opts.mtime * 1000);
  const header = (name: string, extra: Partial<Headers>): Headers => ({ name, mtime, uid: 0, gid: 0, uname: '', gname: '', ...extra });
  const add = (h: Headers, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(h, body, cb);
      else pack.entry(h, cb);
    });
  const addStream = (h: Headers, abs: string) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(h, (err?: Error | null) => (err ? reject(err) : resolve()));
      const src = createReadStream(abs);
      src.on('error', reject);
      src.pipe(sink as unknown as NodeJS.WritableStream);
    });

  const summary = (async (): Promise<ContextSummary> => {
    const { entries, ignored } = await listContext(dir, opts);
    let files = 0;
    // Queue a window of entries before waiting: one await per entry costs more than the
    // syscalls for small files. The window is bounded in bytes so memory stays small.
    let inFlight: Promise<void>[] = [];
    let inFlightBytes = 0;
    const settle = async () => {
      await Promise.all(inFlight);
      inFlight = [];
      inFlightBytes = 0;
    };
    for (const e of entries) {
      const loaded = load(dir, e);
      if (e.type === 'directory') {
        inFlight.push(add(header(e.path, { type: 'directory', mode: 0o755 })));
      } else if (loaded?.kind === 'link') {
        inFlight.push(add(header(e.path, { type: 'symlink', mode: 0o777, linkname: loaded.target })));
      } else if (loaded?.kind === 'small') {
        files++;
        inFlightBytes += loaded.data.length;
        inFlight.push(add(header(e.path, { type: 'file', mode: loaded.mode, size: loaded.data.length }), loaded.data));
      } else if (loaded?.kind === 'large') {
        files++;
        await settle();
        await addStream(header(e.path, { type: 'file', mode: loaded.mode, size: loaded.size }), join(dir, e.path));
      }
      if (inFlight.length >= WINDOW_ENTRIES || inFlightBytes >= WINDOW_BYTES) await settle();
    }
    await settle();
    pack.finalize();
    await new Promise<void>((resolve, reject) => {
      digester.on('end', resolve);
      digester.on('finish', resolve);
      digester.on('error', reject);
    });
    return { digest: `sha256:${digester.hash.digest('hex')}`, bytes: digester.bytes, files, ignored };
  })();
  summary.catch((e: unknown) => digester.destroy(e instanceof Error ? e : new Error(String(e))));
  (pack as unknown as Readable).pipe(digester);
  return { stream: digester, summary };
}

/** Produce the archive only to learn its digest and size (tests, bench, --dry-run). */
export async function digestContext(dir: string, opts: ContextOptions): Promise<ContextSummary> {
  const archive = createContextArchive(dir, opts);
  archive.stream.resume();
  return archive.summary;
}
