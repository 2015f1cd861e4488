import winston from 'winston';
import Transport from 'winston-transport';
import type { LogEntry, LogLevel } from '../host/api.js';
import { LOG_LEVELS } from '../host/api.js';
import { formatMessage, logCode, type LogCode, type MessageParams } from './codes.js';
import { levelRank } from './levels.js';
import type { Redactor } from './redaction.js';

export interface EntryDetails {
  customer?: string;
  sku?: string;
  data?: Record<string, unknown>;
  /** Prepended to the catalog message, e.g. "[DryRun] ". */
  prefix?: string;
  /** Appended to the catalog message: a reason the vendor's wording has no place for. */
  suffix?: string;
}

/** winston levels: lower number is more severe, as winston expects. */
const WINSTON_LEVELS = Object.fromEntries([...LOG_LEVELS].reverse().map((level, index) => [level, index]));

class SinkTransport extends Transport {
  constructor(
    private readonly sink: (entry: LogEntry) => void,
    private readonly onFailure: (error: unknown) => void,
  ) {
    super();
  }
  override log(info: LogEntry & { [key: symbol]: unknown }, done: () => void): void {
    const { timestamp, level, code, message, customer, sku, data } = info;
    try {
      this.sink(dropUndefined({ timestamp, level, code, message, customer, sku, data }));
    } catch (error) {
      // A full disk, a closed pipe: the run must hear of it before its next write.
      this.onFailure(error);
    }
    done();
  }
}

/** The run log could not be written (disk full, file gone): no further write may happen unlogged. */
export class LogUnwritableError extends Error {
  constructor(readonly reason: string) {
    super(`the run log cannot be written (${reason}): the run stopped before its next write`);
    this.name = 'LogUnwritableError';
  }
}

function dropUndefined(entry: LogEntry): LogEntry {
  for (const key of Object.keys(entry) as (keyof LogEntry)[]) if (entry[key] === undefined) delete entry[key];
  return entry;
}

/**
 * The run's coded log. Every entry's level and message come from the catalog; every entry is
 * redacted before it reaches winston and the host's sink. Counts are kept per code for all
 * entries, including those below the recorded level, so the run's status and totals are exact.
 */
export class RunLogger {
  private readonly winston: winston.Logger;
  readonly counts: Record<string, number> = {};
  private worst: LogLevel | undefined;
  private writeFailure: string | undefined;

  constructor(
    sink: (entry: LogEntry) => void,
    readonly level: LogLevel,
    private readonly redactor: Redactor,
    private readonly now: () => Date,
  ) {
    const onFailure = (error: unknown): void => {
      this.writeFailure ??= (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    };
    this.winston = winston.createLogger({ levels: WINSTON_LEVELS, level, transports: [new SinkTransport(sink, onFailure)] });
  }

  /** Throws when an entry could not be written: the audit trail is broken, so nothing more may be written to ConnectWise. */
  assertWritable(): void {
    if (this.writeFailure !== undefined) throw new LogUnwritableError(this.redactor.text(this.writeFailure));
  }

  log(code: LogCode, params: MessageParams, details: EntryDetails = {}): void {
    const { level } = logCode(code);
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.worst === undefined || levelRank(level) > levelRank(this.worst)) this.worst = level;
    if (levelRank(level) < levelRank(this.level)) return;
    const message = this.redactor.text((details.prefix ?? '') + formatMessage(code, params) + (details.suffix ?? ''));
    this.winston.log({
      level,
      message,
      timestamp: this.now().toISOString(),
      code,
      customer: details.customer === undefined ? undefined : this.redactor.text(details.customer),
      sku: details.sku === undefined ? undefined : this.redactor.text(details.sku),
      data: details.data === undefined ? undefined : this.redactor.value(details.data),
    });
  }

  /** The most severe level logged so far (recorded or not). */
  get worstLevel(): LogLevel | undefined {
    return this.worst;
  }

  close(): void {
    this.winston.close();
  }
}
