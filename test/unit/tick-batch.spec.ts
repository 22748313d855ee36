import { TickBatch } from '../../src/common/concurrency/tick-batch.js';

describe('TickBatch', () => {
  it('runs the calls of one turn as one batch, answering each its own result', async () => {
    const batches: number[][] = [];
    const batch = new TickBatch<number, string>(async (inputs) => {
      batches.push(inputs);
      return inputs.map((input) => `#${input}`);
    });
    const answers = await Promise.all([1, 2, 3].map((input) => batch.call(input)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(batches).toEqual([[1, 2, 3]]);
    // A later turn is a batch of its own.
    expect(await batch.call(4)).toBe('#4');
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('with a window, gathers the calls of several turns that come within it', async () => {
    const batches: number[][] = [];
    const batch = new TickBatch<number, number>(
      async (inputs) => {
        batches.push(inputs);
        return inputs;
      },
      { windowMs: 50 },
    );
    const first = batch.call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = batch.call(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('runs a full batch at once, without waiting for the turn to end', async () => {
    const batches: number[][] = [];
    const batch = new TickBatch<number, number>(
      async (inputs) => {
        batches.push(inputs);
        return inputs;
      },
      { maxBatch: 2 },
    );
    const answers = await Promise.all([1, 2, 3, 4, 5].map((input) => batch.call(input)));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every call of a batch that failed, or answered the wrong number of results, and goes on', async () => {
    let runs = 0;
    const batch = new TickBatch<number, number>(async (inputs) => {
      runs += 1;
      if (runs === 1) throw new Error('database away');
      if (runs === 2) return inputs.slice(1);
      return inputs;
    });
    const failed = await Promise.allSettled([batch.call(1), batch.call(2)]);
    expect(failed).toEqual([
      { status: 'rejected', reason: new Error('database away') },
      { status: 'rejected', reason: new Error('database away') },
    ]);
    await expect(Promise.all([batch.call(1), batch.call(2)])).rejects.toThrow('a batch of 2 answered 1 results');
    expect(await Promise.all([batch.call(1), batch.call(2)])).toEqual([1, 2]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => new TickBatch(async (inputs: number[]) => inputs, { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new TickBatch(async (inputs: number[]) => inputs, { windowMs: -1 })).toThrow(RangeError);
  });
});
