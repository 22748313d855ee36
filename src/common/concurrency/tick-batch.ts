/**
 * Gathers the calls made while the event loop is busy with one turn (or, with `windowMs`, for that long
 * after the first) and runs them as one: `run` gets every input gathered and answers one result per
 * input, in order. A storm of reconnects or of presence changes is thousands of one-row statements at
 * once; gathered, it is a few statements of many rows, and the more there are at once, the fewer
 * statements per call. Past `maxBatch` inputs, a batch runs on its own. A failed `run` fails every call
 * of its batch.
 */
export class TickBatch<I, O> {
  private inputs: I[] = [];
  private waiters: Array<{ resolve: (output: O) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  private readonly maxBatch: number;
  private readonly windowMs: number;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    { maxBatch = 500, windowMs = 0 }: { maxBatch?: number; windowMs?: number } = {},
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, not ${maxBatch}`);
    if (!(windowMs >= 0)) throw new RangeError(`windowMs must not be negative, not ${windowMs}`);
    this.maxBatch = maxBatch;
    this.windowMs = windowMs;
  }

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.inputs.push(input);
      this.waiters.push({ resolve, reject });
      if (this.inputs.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this turn (everything they asked for goes in the same batch), or the window.
        if (this.windowMs) setTimeout(() => this.flush(), this.windowMs).unref();
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.inputs.length) return;
    const inputs = this.inputs;
    const waiters = this.waiters;
    this.inputs = [];
    this.waiters = [];
    this.run(inputs).then(
      (outputs) => {
        if (outputs.length !== inputs.length) {
          const error = new Error(`a batch of ${inputs.length} answered ${outputs.length} results`);
          for (const waiter of waiters) waiter.reject(error);
          return;
        }
        waiters.forEach((waiter, index) => waiter.resolve(outputs[index]));
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
