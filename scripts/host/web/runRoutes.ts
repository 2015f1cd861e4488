import type { FastifyInstance } from 'fastify';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { LOG_LEVELS, type LogEntry, type LogLevel } from '../../../src/host/api.js';
import type { LoadedTaskType } from '../extensions.js';
import { JobStore, type Job } from '../jobs.js';
import { compareRuns, previousRunOf } from '../compareRuns.js';
import type { HostPaths } from '../paths.js';
import { listRuns, readRunLog, readRunPlan, readRunRecord, runJob, type RunRecord, type RunTrigger } from '../runner.js';
import type { WritePurpose } from '../planRuns.js';
import { formatLog, queryLog, type LogQuery } from '../runLogs.js';
import { JOB_ID, RUN_ID } from './routeSchemas.js';
import { replyNotFound } from './replies.js';
import { entryView, runView } from './views.js';
import { planToCsv } from '../../../src/index.js';

/** Runs started from the console: in this process, each cancelled and awaited when the console stops. */
export class RunStarter {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  constructor(private readonly paths: HostPaths) {}

  /** Resolves once the run has its id and record (or rejects: already running, say); the run goes on after. */
  start(
    store: JobStore,
    job: Job,
    loaded: LoadedTaskType,
    options: { dryRun?: boolean; trigger?: RunTrigger; write?: { purpose: WritePurpose; runId: string } } = {},
  ): Promise<RunRecord> {
    const controller = new AbortController();
    return new Promise((resolve, reject) => {
      let started = false;
      const done = runJob(this.paths, store, job, loaded, {
        signal: controller.signal,
        dryRun: options.dryRun,
        trigger: options.trigger ?? 'run-now',
        ...(options.write ? { write: options.write } : {}),
        onStart: (record) => {
          started = true;
          resolve(record);
        },
      })
        .catch((error: unknown) => {
          if (!started) reject(error);
          else console.error(`run of job ${job.id} (${job.name}) failed: ${(error as Error).message}`);
        })
        .finally(() => this.running.delete(job.id));
      this.running.set(job.id, { controller, done });
    });
  }

  async stopAll(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

const LOG_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: { type: 'string', enum: ['', ...LOG_LEVELS] },
    search: { type: 'string', maxLength: 200 },
    sort: { type: 'string', enum: ['', 'code', 'level', 'time'] },
    dir: { type: 'string', enum: ['', 'asc', 'desc'] },
    minLevel: { type: 'string', enum: ['', ...LOG_LEVELS] },
    customer: { type: 'string', maxLength: 200 },
    // A page of the log: a run of 100,000 entries never goes to the browser whole.
    offset: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 0, maximum: 1000 },
  },
} as const;
interface LogQueryString {
  level?: LogLevel | '';
  search?: string;
  sort?: LogQuery['sort'] | '';
  dir?: 'asc' | 'desc' | '';
  minLevel?: LogLevel | '';
  customer?: string;
  offset?: number;
  limit?: number;
}

const asQuery = (q: LogQueryString): LogQuery => ({
  level: q.level || undefined,
  minLevel: q.minLevel || undefined,
  customer: q.customer || undefined,
  search: q.search || undefined,
  sort: q.sort || undefined,
  descending: q.dir === 'desc',
});

/** How often the live log looks for new lines: the runner appends them as they come, from any process. */
const TAIL_INTERVAL_MS = 200;
const HEARTBEAT_MS = 15_000;

export function registerRunRoutes(app: FastifyInstance, paths: HostPaths): void {
  const report = (line: string): void => console.error(line);

  app.get<{ Params: { id: string } }>('/api/jobs/:id/runs', { schema: { params: JOB_ID } }, async (request) =>
    listRuns(paths, report)
      .filter((r) => r.jobId === request.params.id)
      .reverse()
      .map((r) => runView(r, readRunPlan(paths, r.runId))),
  );

  // Every run, newest first, the runs of deleted jobs too (their history outlives them).
  app.get('/api/runs', async () => {
    const jobs = new JobStore(paths);
    return listRuns(paths, report)
      .reverse()
      .map((r) => ({ ...runView(r, readRunPlan(paths, r.runId)), jobDeleted: !jobs.exists(r.jobId) }));
  });

  app.get<{ Params: { runId: string } }>('/api/runs/:runId', { schema: { params: RUN_ID } }, async (request, reply) => {
    const record = readRunRecord(paths, request.params.runId);
    if (!record) return replyNotFound(reply, `run ${request.params.runId}`);
    const plan = readRunPlan(paths, record.runId);
    // How the runs that applied or reverted it ended: a failed one leaves the way open to try again.
    const statusOf = (runId: string | undefined) => (runId ? readRunRecord(paths, runId)?.status : undefined);
    return {
      ...runView(record, plan),
      plan,
      appliedByStatus: statusOf(record.appliedBy),
      revertedByStatus: statusOf(record.revertedBy),
      jobDeleted: !new JobStore(paths).exists(record.jobId),
    };
  });

  /**
   * One customer across the job's runs, newest first: each run's lines for it (SKU, before → after,
   * money, outcome) and the entries its log has about it, counted by level. Runs that never named it are left out.
   */
  app.get<{ Params: { id: string; customer: string } }>(
    '/api/jobs/:id/customers/:customer',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id', 'customer'],
          properties: { id: JOB_ID.properties.id, customer: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const { id, customer } = request.params;
      const runs = listRuns(paths, report).filter((r) => r.jobId === id);
      if (runs.length === 0 && !new JobStore(paths).exists(id)) return replyNotFound(reply, `job ${id}`);
      let customerName: string | undefined;
      const history = runs
        .reverse()
        .map((record) => {
          const lines = readRunPlan(paths, record.runId).filter((p) => p.customer === customer);
          const entries = readRunLog(paths, record.runId, report).filter((e) => e.customer === customer);
          customerName ??= lines.find((p) => p.customerName)?.customerName;
          const priced = lines.filter((p) => p.amountChange !== undefined);
          return {
            runId: record.runId,
            startedAt: record.startedAt,
            status: record.status,
            trigger: record.trigger,
            ...(record.dryRun ? { dryRun: true } : {}),
            ...(record.period ? { period: record.period } : {}),
            lines,
            moneyChange: priced.length ? priced.reduce((sum, p) => sum + Math.round(p.amountChange! * 100), 0) / 100 : null,
            warnings: entries.filter((e) => e.level === 'Warning').length,
            errors: entries.filter((e) => e.level === 'Error').length,
          };
        })
        .filter((run) => run.lines.length > 0 || run.warnings + run.errors > 0);
      return { customer, ...(customerName ? { customerName } : {}), runs: history };
    },
  );

  /** The customers a run's plan or log names, with their names where the plan has them: the run page's customer filter. */
  app.get<{ Params: { runId: string } }>('/api/runs/:runId/customers', { schema: { params: RUN_ID } }, async (request, reply) => {
    const record = readRunRecord(paths, request.params.runId);
    if (!record) return replyNotFound(reply, `run ${request.params.runId}`);
    const names = new Map<string, string | undefined>();
    for (const p of readRunPlan(paths, record.runId)) names.set(p.customer, p.customerName ?? names.get(p.customer));
    for (const e of readRunLog(paths, record.runId, report)) if (e.customer && !names.has(e.customer)) names.set(e.customer, undefined);
    return [...names]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([customer, customerName]) => ({ customer, ...(customerName ? { customerName } : {}) }));
  });

  /** This run beside the job's previous run that wrote: per customer, and its warnings new, recurring or resolved. */
  app.get<{ Params: { runId: string } }>('/api/runs/:runId/compare', { schema: { params: RUN_ID } }, async (request, reply) => {
    const record = readRunRecord(paths, request.params.runId);
    if (!record) return replyNotFound(reply, `run ${request.params.runId}`);
    const previous = previousRunOf(record, listRuns(paths, report));
    return compareRuns(
      { plan: readRunPlan(paths, record.runId), log: readRunLog(paths, record.runId, report) },
      previous && { record: previous, plan: readRunPlan(paths, previous.runId), log: readRunLog(paths, previous.runId, report) },
    );
  });

  /** The entries the query selects, in its order, and how many the log holds in all ("12 of 240 entries"). */
  app.get<{ Params: { runId: string }; Querystring: LogQueryString }>(
    '/api/runs/:runId/log',
    { schema: { params: RUN_ID, querystring: LOG_QUERY } },
    async (request, reply) => {
      if (!readRunRecord(paths, request.params.runId)) return replyNotFound(reply, `run ${request.params.runId}`);
      const all = readRunLog(paths, request.params.runId, report);
      const matching = queryLog(all, asQuery(request.query));
      const offset = request.query.offset ?? 0;
      const page = request.query.limit === undefined ? matching.slice(offset) : matching.slice(offset, offset + request.query.limit);
      return { total: all.length, matched: matching.length, offset, entries: page.map(entryView) };
    },
  );

  /** The log as shown (same filter, search and order), as CSV for Excel: the CLI's format, with each code's fix. */
  app.get<{ Params: { runId: string }; Querystring: LogQueryString }>(
    '/api/runs/:runId/log.csv',
    { schema: { params: RUN_ID, querystring: LOG_QUERY } },
    async (request, reply) => {
      if (!readRunRecord(paths, request.params.runId)) return replyNotFound(reply, `run ${request.params.runId}`);
      const entries = queryLog(readRunLog(paths, request.params.runId, report), asQuery(request.query));
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="run-${request.params.runId}-log.csv"`)
        .send(formatLog(entries, 'csv'));
    },
  );

  app.get<{ Params: { runId: string } }>('/api/runs/:runId/plan.csv', { schema: { params: RUN_ID } }, async (request, reply) => {
    if (!readRunRecord(paths, request.params.runId)) return replyNotFound(reply, `run ${request.params.runId}`);
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="run-${request.params.runId}-plan.csv"`)
      .send(planToCsv(readRunPlan(paths, request.params.runId)));
  });

  /**
   * The log as it is written (server-sent events): every entry so far, then each new one, then `end`
   * with the run's summary. It follows the run's log file, so a run started by the scheduler or the
   * command line streams the same way as one started here.
   */
  app.get<{ Params: { runId: string } }>('/api/runs/:runId/events', { schema: { params: RUN_ID } }, async (request, reply) => {
    const { runId } = request.params;
    if (!readRunRecord(paths, runId)) return replyNotFound(reply, `run ${runId}`);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    const send = (event: string, data: unknown): void => {
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const tail = new LogTail(path.join(paths.runs, `${runId}.jsonl`));
    let closed = false;
    const stop = (): void => {
      closed = true;
      clearInterval(timer);
      clearInterval(heartbeat);
    };
    const follow = (): void => {
      // The record first: once it says finished, every line of the log is already in the file.
      const record = readRunRecord(paths, runId);
      for (const entry of tail.newEntries()) send('entry', entryView(entry));
      if (record && record.status !== 'Running') {
        send('end', runView(record, readRunPlan(paths, runId)));
        stop();
        response.end();
      }
    };
    // A timer's exception would end the whole console: a damaged record or log ends this stream alone, saying why.
    const pump = (): void => {
      if (closed) return;
      try {
        follow();
      } catch (error) {
        stop();
        const reason = error instanceof Error ? error.message : String(error);
        response.end(`event: failure\ndata: ${JSON.stringify({ message: `The run's live log stopped: ${reason}` })}\n\n`);
      }
    };
    const timer = setInterval(pump, TAIL_INTERVAL_MS);
    const heartbeat = setInterval(() => response.write(': still running\n\n'), HEARTBEAT_MS);
    request.raw.on('close', stop);
    response.on('error', stop);
    pump();
  });
}

/** Reads the complete lines appended to a log file since the last call (a line being written waits, whole, for the next); a damaged line is skipped. */
class LogTail {
  private offset = 0;

  constructor(private readonly file: string) {}

  newEntries(): LogEntry[] {
    if (!existsSync(this.file)) return [];
    const size = statSync(this.file).size;
    if (size <= this.offset) return [];
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return [];
    this.offset += end + 1;
    const entries: LogEntry[] = [];
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as LogEntry);
      } catch {
        // A write cut short by a crash: the run's log view reports it; the live view goes on.
      }
    }
    return entries;
  }
}
