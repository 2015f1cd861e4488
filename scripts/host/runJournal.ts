import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../../src/host/api.js';
import { formatLog } from './runLogs.js';
import { isNoSpace, WholeRecordFile } from '../../src/index.js';
import { DiskFullError } from './errors.js';
import type { HostPaths } from './paths.js';

/**
 * Room set aside under runs/ for as long as a run goes. When the disk fills mid-run, freeing it lets the
 * run's last entries (the writes in flight, CW33, CW23), its plan and its record land at once.
 */
export const RUN_RESERVE_BYTES = 512 * 1024;
/** How often a settlement that still finds no room is tried again, while this process lives. */
const SETTLE_RETRY_MS = 10_000;

export interface SettleStep {
  /** For the message when it cannot be written: "the run record". */
  what: string;
  write: () => void;
}

const reserveFile = (paths: Pick<HostPaths, 'runs'>, runId: string): string => path.join(paths.runs, `${runId}.reserve`);

/** The room a run set aside, left by a process that died mid-run. */
export const dropReserve = (paths: Pick<HostPaths, 'runs'>, runId: string): void => rmSync(reserveFile(paths, runId), { force: true });

/**
 * A run's log on disk, honest when the disk fills: an entry that cannot be written is shown on stderr at
 * once and kept, the failure is thrown back to the task (which stops before its next write), and once
 * the run ends the kept entries, the plan and the record are written in the room set aside.
 */
export class RunJournal {
  private failure: string | undefined;
  private written = 0;
  private readonly kept: LogEntry[] = [];

  private constructor(
    private readonly paths: Pick<HostPaths, 'runs'>,
    private readonly runId: string,
    private readonly log: WholeRecordFile,
    private readonly warn: (line: string) => void,
    private readonly retryMs: number,
  ) {}

  /** Sets the room aside and opens the log; a disk already full is a DiskFullError: the run does not start. */
  static open(
    paths: Pick<HostPaths, 'runs'>,
    runId: string,
    warn: (line: string) => void,
    options: { reserveBytes?: number; retryMs?: number } = {},
  ): RunJournal {
    try {
      writeFileSync(reserveFile(paths, runId), Buffer.alloc(options.reserveBytes ?? RUN_RESERVE_BYTES), { mode: 0o600 });
      return new RunJournal(
        paths,
        runId,
        WholeRecordFile.open(path.join(paths.runs, `${runId}.jsonl`), 'a'),
        warn,
        options.retryMs ?? SETTLE_RETRY_MS,
      );
    } catch (error) {
      dropReserve(paths, runId);
      if (!isNoSpace(error)) throw error;
      throw new DiskFullError(paths.runs, (error as NodeJS.ErrnoException).code!);
    }
  }

  /** Why the log stopped being written (ENOSPC, EFBIG), if it did. */
  get logFailure(): string | undefined {
    return this.failure;
  }

  /** What the run record says of a log that could not be written to the end. */
  get gap(): string | undefined {
    if (this.failure === undefined) return undefined;
    return `the run log could not be written after entry ${this.written} (${this.failure}); the run stopped before its next write, and its last ${this.kept.length} entries were shown on the host's stderr and kept in the run record`;
  }

  /** The entries the log could not take, for the run record (where the host's log readers find them). */
  get lateEntries(): LogEntry[] {
    return [...this.kept];
  }

  append(entry: LogEntry): void {
    if (this.failure === undefined) {
      try {
        this.log.append(JSON.stringify(entry) + '\n');
        this.written++;
        return;
      } catch (error) {
        this.failure = (error as NodeJS.ErrnoException).code ?? 'unknown error';
        this.warn(
          `host: the log of run ${this.runId} cannot be written (${this.failure}): the run stops before its next write; its remaining entries follow here and are added to the log once there is room`,
        );
      }
    }
    this.kept.push(entry);
    this.warn(`host: run ${this.runId}, not in its log yet: ${formatLog([entry], 'table').trimEnd()}`);
    throw Object.assign(new Error(`the run log cannot be written (${this.failure})`), { code: this.failure });
  }

  /**
   * The run's end on disk: frees the room set aside, then writes each step. A step that finds no room
   * is tried again every few seconds while this process lives (the console, the scheduler), the others
   * go on; a `jobs run` that exits first leaves the record to the next start's recovery.
   */
  settle(steps: SettleStep[]): void {
    this.log.close();
    dropReserve(this.paths, this.runId);
    let pending = [...steps];
    let retried = false;
    const attempt = (): void => {
      pending = pending.filter((step) => {
        try {
          step.write();
          return false;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          if (!isNoSpace(error)) {
            this.warn(`host: run ${this.runId}: ${step.what} could not be written (${code})`);
            return false;
          }
          if (!retried)
            this.warn(
              `host: run ${this.runId}: ${step.what} could not be written yet (${code}); trying again every ${this.retryMs / 1000} s`,
            );
          return true;
        }
      });
      if (pending.length) {
        retried = true;
        setTimeout(attempt, this.retryMs).unref();
      } else if (retried) this.warn(`host: run ${this.runId}: its record is complete on disk again`);
    };
    attempt();
  }
}
