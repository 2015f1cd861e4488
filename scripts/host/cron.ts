import { CronExpressionParser } from 'cron-parser';

/**
 * CRON as the vendor's guide uses it: 5 fields (`0 22 26 * *`), or 6 with seconds as Atria's own
 * Cronos jobs do (`0 0 21 L * ?`). Times are UTC.
 */
export function checkCron(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return `a CRON expression has 5 fields (or 6 with seconds); '${expression}' has ${fields.length}`;
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `'${expression}' is not a valid CRON expression: ${(error as Error).message}`;
  }
}

/** The first run time strictly after `after`. */
export function nextRun(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}
