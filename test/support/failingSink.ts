import type { LogEntry } from '../../src/host/api.js';

/** A log sink that accepts `capacity` entries, then fails as a full disk does. */
export function harnessSink(capacity: number): ((entry: LogEntry) => void) & { accepted: LogEntry[] } {
  const accepted: LogEntry[] = [];
  const sink = (entry: LogEntry): void => {
    if (accepted.length >= capacity) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    accepted.push(entry);
  };
  return Object.assign(sink, { accepted });
}
