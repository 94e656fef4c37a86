/**
 * Captures what a step prints in a pool thread. Tasks run one at a time per thread, so swapping the
 * thread's stdout/stderr writers for the duration of a step is safe. Each chunk is also forwarded
 * to the main thread as it is written, for live output.
 */
type Write = typeof process.stdout.write;

export class LogCapture {
  private chunks: string[] = [];
  private saved?: { out: Write; err: Write };

  constructor(private readonly forward: (stream: 'stdout' | 'stderr', text: string) => void) {}

  start(): void {
    this.chunks = [];
    this.saved = { out: process.stdout.write, err: process.stderr.write };
    const make = (stream: 'stdout' | 'stderr'): Write => ((chunk: unknown, enc?: unknown, cb?: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      this.chunks.push(text);
      this.forward(stream, text);
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as Write;
    process.stdout.write = make('stdout');
    process.stderr.write = make('stderr');
  }

  stop(): void {
    if (!this.saved) return;
    process.stdout.write = this.saved.out;
    process.stderr.write = this.saved.err;
    this.saved = undefined;
  }

  /** Forgets what the previous task printed. */
  reset(): void {
    this.chunks = [];
  }

  text(): string {
    return this.chunks.join('');
  }
}
