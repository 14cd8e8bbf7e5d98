// Following the engine's build and push streams: the step counter, each step's last
// lines of output (for the failure message), and a stall watchdog. dockerode's
// followProgress ignores error lines; here every error line fails the command.
import { TimedOutError } from '../core/errors.js';

export interface StepState {
  /** 1-based step number and total, from the builder's "Step N/M : INSTR" lines. */
  index: number;
  total: number;
  instruction: string;
  /** Last lines the step printed. */
  tail: string[];
}

const TAIL = 20;

/** The builder passes a RUN step's stderr through with terminal colour codes; drop them. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Reads the builder's output text and keeps track of the current step. Pure state. */
export class StepTracker {
  current: StepState | undefined;
  private partial = '';

  /** Feed raw output; returns the completed lines, each tagged with whether it starts a step. */
  feed(text: string): { line: string; step?: StepState }[] {
    const out: { line: string; step?: StepState }[] = [];
    const parts = stripAnsi(this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) out.push(this.line(line));
    return out;
  }

  flush(): { line: string; step?: StepState }[] {
    if (!this.partial) return [];
    const l = this.partial;
    this.partial = '';
    return [this.line(l)];
  }

  private line(line: string): { line: string; step?: StepState } {
    const m = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (m) {
      this.current = { index: Number(m[1]), total: Number(m[2]), instruction: m[3]!, tail: [] };
      return { line, step: this.current };
    }
    if (this.current && line.trim()) {
      this.current.tail.push(line);
      if (this.current.tail.length > TAIL) this.current.tail.shift();
    }
    return { line };
  }

  /** "step 3/5 (RUN make)" or "before the first step". */
  describe(): string {
    return this.current ? `step ${this.current.index}/${this.current.total} (${this.current.instruction})` : 'before the first step';
  }
}

/** Builder noise that people on a terminal do not need. */
export function isBuilderNoise(line: string): boolean {
  const t = line.trimEnd();
  return !t.trim() || /^ --->( Running in | Using cache$| [0-9a-f]{12}$|$)|^Removing intermediate container|^Successfully (built|tagged)/.test(t);
}

/**
 * Iterate `events`, failing with TimedOutError when nothing arrives for `stallMs`; the
 * controller is aborted so the engine drops the request (and the build with it).
 */
export async function* watchdog<T>(events: AsyncIterable<T>, stallMs: number, controller: AbortController, describe: () => string): AsyncGenerator<T> {
  const iter = events[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const next = iter.next();
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), stallMs);
    });
    let r: IteratorResult<T> | 'stalled';
    try {
      r = await Promise.race([next, stalled]);
    } finally {
      clearTimeout(timer);
    }
    if (r === 'stalled') {
      next.catch(() => undefined);
      controller.abort();
      throw new TimedOutError(`the engine printed nothing for ${Math.round(stallMs / 1000)}s ${describe()}: stopped it`, {
        hint: 'raise build.stallTimeout in shardship.yaml if the step is slow but healthy',
      });
    }
    if (r.done) return;
    yield r.value;
  }
}
