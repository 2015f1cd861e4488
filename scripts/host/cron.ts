import { CronExpressionParser } from 'cron-parser';

/** Runs closer together than this are refused: a billing job firing every second would hammer ConnectWise. */
export const minimumIntervalSeconds = (env: NodeJS.ProcessEnv = process.env): number => Number(env.HOST_MIN_CRON_INTERVAL_SECONDS) || 60;

/** How many upcoming runs are checked for the interval between them. */
const RUNS_CHECKED = 8;

/**
 * CRON as the vendor's guide uses it: 5 fields (`0 22 26 * *`), or 6 with seconds as Atria's own
 * Cronos jobs do (`0 0 21 L * ?`). Returns why an expression is refused, or undefined.
 */
export function checkCron(expression: string, minimumSeconds = minimumIntervalSeconds()): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return `a CRON expression has 5 fields (or 6 with seconds); '${expression}' has ${fields.length}`;
  let runs: number[];
  try {
    const schedule = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date('2026-01-01T00:00:00Z') });
    runs = Array.from({ length: RUNS_CHECKED }, () => schedule.next().getTime());
  } catch (error) {
    return `'${expression}' is not a valid CRON expression: ${(error as Error).message}`;
  }
  const shortest = Math.min(...runs.slice(1).map((time, i) => time - runs[i]!)) / 1000;
  if (shortest < minimumSeconds) {
    return `'${expression}' runs every ${shortest} second${shortest === 1 ? '' : 's'}; the shortest interval allowed is ${minimumSeconds === 60 ? 'one minute' : `${minimumSeconds} seconds`} (a billing job usually runs once a month, e.g. '0 22 26 * *')`;
  }
  return undefined;
}

/** The host's own time zone: a job's default. */
export const hostTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first run time strictly after `after`, the CRON read in `timeZone` (a job made before time zones: UTC). */
export function nextRun(expression: string, after: Date, timeZone = 'UTC'): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: timeZone }).next().toDate();
}

/** A run time as an administrator reads it: in the job's zone, named, with UTC beside it. */
export function describeTime(time: Date, timeZone = 'UTC'): string {
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(time);
  return `${local} ${timeZone} (${time.toISOString()})`;
}
