import { keepHeapCompact } from '../../src/util/compactHeap.js';

describe('the heap kept near what is live (command line and reference host)', () => {
  it('a growing factor given on the command line or in NODE_OPTIONS wins over the product’s own', () => {
    expect(keepHeapCompact(['--heap-growing-percent=50'], '')).toBe(false);
    expect(keepHeapCompact([], '--max-old-space-size=512 --heap_growing_percent=40')).toBe(false);
    expect(keepHeapCompact(['--max-old-space-size=512'], '--enable-source-maps')).toBe(true);
  });
});
