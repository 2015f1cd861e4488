import { LOG_LEVELS, type LogLevel } from '../host/api.js';

/** Severity rank: Verbose < Info < Warning < Error. */
export const levelRank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/** Case-insensitive parse, for command-line and form input. */
export function parseLogLevel(value: string): LogLevel | undefined {
  return LOG_LEVELS.find((level) => level.toLowerCase() === value.toLowerCase());
}
