/** A counting semaphore: at most `limit` tasks run at once, the rest wait in FIFO order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Like mapConcurrent, but hands each result to `deliver` in input order as soon as every earlier
 * one has been delivered, and keeps none: memory holds only results waiting for a slower neighbour.
 */
export async function forEachConcurrentInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  deliver: (result: R, index: number) => void,
): Promise<void> {
  const waiting = new Map<number, R>();
  let nextToDeliver = 0;
  await mapConcurrent(items, concurrency, async (item, index) => {
    waiting.set(index, await worker(item, index));
    while (waiting.has(nextToDeliver)) {
      const result = waiting.get(nextToDeliver)!;
      waiting.delete(nextToDeliver);
      deliver(result, nextToDeliver++);
    }
  });
}

/**
 * Runs `worker` over `items` with at most `concurrency` at once; results keep input order.
 * After a failure no new item starts, and it settles only when every started item has, so
 * nothing runs on (or logs) after the caller has moved on.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await worker(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
