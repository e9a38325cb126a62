import { WriteBatcher } from './write-batcher';

/** A write that records its batches and completes when the test says so. */
function controlledWrite(fail: (items: readonly string[]) => unknown = () => undefined) {
  const batches: string[][] = [];
  const open: { items: readonly string[]; finish: () => void }[] = [];
  const write = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push([...items]);
      open.push({
        items,
        finish: () => {
          const error = fail(items);
          if (error === undefined) resolve(items.map((item) => `${item} written`));
          else reject(error);
        },
      });
    });
  /** Completes the oldest running write and lets the batcher react. */
  const finishNext = async () => {
    open.shift()!.finish();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { write, batches, open, finishNext };
}

const settled = (promises: Promise<string>[]) => Promise.allSettled(promises);

describe('WriteBatcher', () => {
  it('writes an item at once, alone, while fewer than maxInFlight batches run', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxInFlight: 2, maxBatchSize: 10, mayBeCausedByItem: () => true });

    const first = batcher.add('a');
    const second = batcher.add('b');

    expect(batches).toEqual([['a'], ['b']]);
    await finishNext();
    await finishNext();
    await expect(Promise.all([first, second])).resolves.toEqual(['a written', 'b written']);
  });

  it('groups the items that arrive while the batches run, in arrival order, at most maxBatchSize at a time', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxInFlight: 1, maxBatchSize: 3, mayBeCausedByItem: () => false });
    const outcomes = settled(['a', 'b', 'c', 'd', 'e', 'f'].map((item) => batcher.add(item)));

    expect(batches).toEqual([['a']]);
    await finishNext();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await finishNext();
    expect(batches).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f']]);
    await finishNext();

    expect(await outcomes).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((item) => ({ status: 'fulfilled', value: `${item} written` })));
  });

  it('settles an item only when its own batch is written', async () => {
    const { write, finishNext } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxInFlight: 1, maxBatchSize: 10, mayBeCausedByItem: () => false });
    let secondDone = false;
    void batcher.add('a');
    void batcher.add('b').then(() => (secondDone = true));

    await finishNext();
    expect(secondDone).toBe(false);
    await finishNext();
    expect(secondDone).toBe(true);
  });

  it('writes each item of a batch an item may have broken alone: only the bad item fails', async () => {
    const refused = new Error('constraint violated by c');
    const { write, batches, finishNext, open } = controlledWrite((items) => (items.includes('c') ? refused : undefined));
    const batcher = new WriteBatcher(write, { maxInFlight: 1, maxBatchSize: 10, mayBeCausedByItem: (error) => error === refused });
    const outcomes = settled(['a', 'b', 'c', 'd'].map((item) => batcher.add(item)));

    await finishNext(); // a
    await finishNext(); // b, c, d together: refused
    expect(batches).toEqual([['a'], ['b', 'c', 'd'], ['b'], ['c'], ['d']]);
    while (open.length > 0) await finishNext();

    const [a, b, c, d] = await outcomes;
    expect([a, b, d]).toEqual(['a', 'b', 'd'].map((item) => ({ status: 'fulfilled', value: `${item} written` })));
    expect(c).toEqual({ status: 'rejected', reason: refused });
  });

  it('fails every item of a batch with a failure no item causes, without writing them again', async () => {
    const lost = new Error('connection lost');
    const { write, batches, finishNext } = controlledWrite((items) => (items.length > 1 ? lost : undefined));
    const batcher = new WriteBatcher(write, { maxInFlight: 1, maxBatchSize: 10, mayBeCausedByItem: () => false });
    const outcomes = settled(['a', 'b', 'c'].map((item) => batcher.add(item)));

    await finishNext();
    await finishNext();

    expect(batches).toEqual([['a'], ['b', 'c']]);
    expect(await outcomes).toEqual([{ status: 'fulfilled', value: 'a written' }, { status: 'rejected', reason: lost }, { status: 'rejected', reason: lost }]);
  });

  it('keeps writing after a failed batch', async () => {
    const { write, batches, finishNext } = controlledWrite((items) => (items.includes('a') ? new Error('refused') : undefined));
    const batcher = new WriteBatcher(write, { maxInFlight: 1, maxBatchSize: 10, mayBeCausedByItem: () => false });

    const first = batcher.add('a');
    await finishNext();
    await expect(first).rejects.toThrow('refused');
    const second = batcher.add('b');
    await finishNext();

    await expect(second).resolves.toBe('b written');
    expect(batches).toEqual([['a'], ['b']]);
  });
});
