import { runningScheduler } from '../schedulerPresence.js';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_LEVELS, type AtriaConnection, type LogEntry, type LogLevel } from '../../../src/host/api.js';
import { nextRun } from '../cron.js';
import { loadAllTaskTypes, taskTypeOfJob, type LoadedTaskType } from '../extensions.js';
import { createJob, mergeSecrets, scheduleProblems, setJobEnabled, storedSecrets, taskProblems, updateJob } from '../jobActions.js';
import { JobStore, type Job } from '../jobs.js';
import type { HostPaths } from '../paths.js';
import { JobBusyError, UsageError } from '../errors.js';
import type { RunStarter } from './runRoutes.js';
import { JOB_ID } from './routeSchemas.js';
import { replyNotFound } from './replies.js';
import { awaitingView, cronInWords, entryView, jobView, taskTypeKey } from './views.js';
import { atriaConnection, readRunPlan } from '../runner.js';
import { parseEmails, setJobNotify, webhookUrlProblem } from '../notify/settings.js';

/** What the form shows beside a field (field set) or above the form: the task's coded entries and the host's own checks. */
export interface Problem {
  field?: string;
  code?: string;
  level: LogEntry['level'];
  message: string;
}

const JOB_BODY = {
  type: 'object',
  required: ['name', 'logLevel', 'cron', 'timeZone', 'parameters', 'secrets'],
  additionalProperties: false,
  properties: {
    taskType: { type: 'string' },
    name: { type: 'string', maxLength: 200 },
    logLevel: { type: 'string', enum: [...LOG_LEVELS] },
    cron: { type: 'string', maxLength: 200 },
    timeZone: { type: 'string', maxLength: 100 },
    requireApproval: { type: 'boolean' },
    notify: {
      type: 'object',
      additionalProperties: false,
      required: ['emails'],
      properties: {
        emails: { type: 'string', maxLength: 5000 },
        // Blank keeps the stored webhook; it is never sent back to a page.
        webhookUrl: { type: 'string', maxLength: 2000 },
        removeWebhook: { type: 'boolean' },
      },
    },
    parameters: { type: 'object' },
    secrets: { type: 'object' },
  },
} as const;

interface JobBody {
  taskType?: string;
  name: string;
  logLevel: LogLevel;
  cron: string;
  timeZone: string;
  requireApproval?: boolean;
  notify?: { emails: string; webhookUrl?: string; removeWebhook?: boolean };
  parameters: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

const fromEntry = (entry: LogEntry): Problem => ({
  code: entry.code,
  level: entry.level,
  message: entry.message,
  ...(typeof entry.data?.field === 'string' ? { field: entry.data.field } : {}),
});

const readSchema = (loaded: LoadedTaskType, file: string | undefined): unknown =>
  file ? JSON.parse(readFileSync(path.join(loaded.extension.dir, file), 'utf8')) : { type: 'object' };

export function registerJobRoutes(app: FastifyInstance, paths: HostPaths, runs: RunStarter): void {
  const store = new JobStore(paths);
  const report = (line: string): void => console.error(line);

  app.get('/api/task-types', async () =>
    (await loadAllTaskTypes(paths)).map((loaded) => {
      const declared = loaded.extension.manifest.taskTypes.find((t) => t.id === loaded.taskType.id);
      return {
        key: taskTypeKey(loaded.extension.id, loaded.taskType.id),
        displayName: loaded.taskType.displayName,
        description: loaded.taskType.description,
        extension: `${loaded.extension.id} ${loaded.extension.version}`,
        defaultSchedule: declared?.defaultSchedule ?? '0 22 26 * *',
        parametersSchema: readSchema(loaded, declared?.parametersSchema),
        secretsSchema: readSchema(loaded, declared?.secretsSchema),
        form: declared?.form ?? {},
      };
    }),
  );

  // A job whose last run awaits approval says what it waits for: its changes and their money.
  app.get('/api/jobs', async () =>
    store.list(report).map((job) => ({
      ...jobView(job),
      awaiting: job.lastRun?.status === 'AwaitingApproval' ? awaitingView(readRunPlan(paths, job.lastRun.runId)) : null,
    })),
  );
  // Whether jobs fire on schedule: only while a scheduler (`scheduler`, or `serve`) runs for this home.
  app.get('/api/host', async () => ({ schedulerRunning: runningScheduler(paths) !== undefined }));

  app.get<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: JOB_ID } }, async (request, reply) => {
    if (!store.exists(request.params.id)) return replyNotFound(reply, `job ${request.params.id}`);
    return jobView(store.get(request.params.id), { withParameters: true });
  });

  /** The schedule as it is typed: why it is refused, or what it says and its next three runs. */
  const cronQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { expression: { type: 'string', maxLength: 200 }, timeZone: { type: 'string', maxLength: 100 } },
  };
  app.get<{ Querystring: { expression?: string; timeZone?: string } }>(
    '/api/cron',
    { schema: { querystring: cronQuery } },
    async (request) => {
      const expression = request.query.expression ?? '';
      const timeZone = request.query.timeZone || 'UTC';
      const problems = scheduleProblems({ cron: expression, timeZone });
      if (problems.length) return { problem: problems.map((p) => p.message).join('; ') };
      const runsAt: string[] = [];
      let after = new Date();
      for (let i = 0; i < 3; i++) {
        after = nextRun(expression, after, timeZone);
        runsAt.push(after.toISOString());
      }
      return { words: cronInWords(expression), next: runsAt };
    },
  );

  const taskTypeOf = async (key: string | undefined, job?: Job): Promise<LoadedTaskType | undefined> => {
    const all = await loadAllTaskTypes(paths);
    return job ? taskTypeOfJob(all, job) : all.find((t) => taskTypeKey(t.extension.id, t.taskType.id) === key);
  };

  /** Nothing invalid is saved: the host's checks of name and schedule, then the task's own validate. */
  /** A job's stored secrets, or none when they cannot be read (a lost key): the form's values must then give them all. */
  const storedOrNone = (job: Job): Record<string, unknown> => {
    try {
      return storedSecrets(paths, job);
    } catch {
      return {};
    }
  };

  /** A secret the task type does not declare is refused, never stored (a form cannot add one either). */
  const unknownSecrets = (loaded: LoadedTaskType, secrets: Record<string, unknown>): Problem[] => {
    const declared = loaded.extension.manifest.taskTypes.find((t) => t.id === loaded.taskType.id);
    const schema = readSchema(loaded, declared?.secretsSchema) as { properties?: Record<string, unknown> };
    if (!schema.properties) return [];
    return Object.keys(secrets)
      .filter((name) => !(name in schema.properties!))
      .map((name) => ({ field: 'secrets', level: 'Error' as const, message: `'${name}' is not a secret of this job type: remove it.` }));
  };
  /** The recipients and webhook as typed: a bad address or a webhook that is not https is shown beside its field. */
  const notifyProblems = (body: JobBody): Problem[] => {
    if (!body.notify) return [];
    const problems: Problem[] = [];
    try {
      parseEmails(body.notify.emails);
    } catch (error) {
      problems.push({ field: 'notifyEmails', level: 'Error', message: `${(error as Error).message}.` });
    }
    const webhook = body.notify.webhookUrl?.trim();
    const problem = webhook ? webhookUrlProblem(webhook) : undefined;
    if (problem) problems.push({ field: 'notifyWebhook', level: 'Error', message: `The webhook URL: ${problem}.` });
    return problems;
  };
  /** Saves who hears about the job's runs (the webhook sealed; blank keeps the stored one). */
  const saveNotify = (jobId: string, body: JobBody): Job =>
    body.notify
      ? setJobNotify(
          paths,
          store,
          jobId,
          parseEmails(body.notify.emails),
          body.notify.removeWebhook ? null : body.notify.webhookUrl?.trim() || undefined,
        )
      : store.get(jobId);
  const problemsOf = (body: JobBody, loaded: LoadedTaskType, secrets: Record<string, unknown>): Problem[] => [
    ...scheduleProblems(body).map((p) => ({ ...p, level: 'Error' as const })),
    ...notifyProblems(body),
    ...unknownSecrets(loaded, body.secrets),
    ...taskProblems(loaded, body.parameters, secrets).map(fromEntry),
  ];
  const fieldsOf = (body: JobBody) => ({
    name: body.name.trim(),
    logLevel: body.logLevel,
    cron: body.cron.trim(),
    timeZone: body.timeZone,
    parameters: body.parameters,
    requireApproval: body.requireApproval,
  });

  app.post<{ Body: JobBody }>('/api/jobs', { schema: { body: JOB_BODY } }, async (request, reply) => {
    const loaded = await taskTypeOf(request.body.taskType);
    if (!loaded)
      return reply.code(422).send({ problems: [{ field: 'taskType', level: 'Error', message: 'Pick one of the installed job types.' }] });
    const problems = problemsOf(request.body, loaded, request.body.secrets);
    if (problems.length) return reply.code(422).send({ problems });
    const job = createJob(paths, store, loaded, fieldsOf(request.body), request.body.secrets);
    return reply.code(201).send(jobView(saveNotify(job.id, request.body)));
  });

  app.put<{ Params: { id: string }; Body: JobBody }>(
    '/api/jobs/:id',
    { schema: { params: JOB_ID, body: JOB_BODY } },
    async (request, reply) => {
      const { id } = request.params;
      if (!store.exists(id)) return replyNotFound(reply, `job ${id}`);
      const job = store.get(id);
      const loaded = await taskTypeOf(undefined, job);
      if (!loaded)
        return reply.code(409).send({ message: `The job type ${job.taskType} is not installed: install it before editing this job.` });
      const secrets = mergeSecrets(storedOrNone(job), request.body.secrets);
      const problems = problemsOf(request.body, loaded, secrets);
      if (problems.length) return reply.code(422).send({ problems });
      updateJob(paths, store, id, fieldsOf(request.body), secrets);
      return jobView(saveNotify(id, request.body));
    },
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/api/jobs/:id/${action}`, { schema: { params: JOB_ID } }, async (request, reply) => {
      if (!store.exists(request.params.id)) return replyNotFound(reply, `job ${request.params.id}`);
      return jobView(setJobEnabled(store, request.params.id, action === 'enable'));
    });
  }

  app.delete<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: JOB_ID } }, async (request, reply) => {
    if (!store.exists(request.params.id)) return replyNotFound(reply, `job ${request.params.id}`);
    store.delete(request.params.id);
    return { deleted: request.params.id };
  });

  /**
   * Test connection from the Add/Edit form: the task's own `check` (ConnectWise, Atria, agreement type,
   * period; no writes) on the values as typed, blank secrets on Edit meaning the stored ones.
   */
  const CHECK_BODY = {
    type: 'object',
    required: ['parameters', 'secrets'],
    additionalProperties: false,
    properties: {
      taskType: { type: 'string' },
      jobId: { type: 'string', pattern: '^[0-9a-f-]{8,}$' },
      parameters: { type: 'object' },
      secrets: { type: 'object' },
    },
  } as const;
  app.post<{ Body: { taskType?: string; jobId?: string; parameters: Record<string, unknown>; secrets: Record<string, unknown> } }>(
    '/api/check',
    { schema: { body: CHECK_BODY } },
    async (request, reply) => {
      const job = request.body.jobId && store.exists(request.body.jobId) ? store.get(request.body.jobId) : undefined;
      const loaded = await taskTypeOf(request.body.taskType, job);
      if (!loaded) return reply.code(422).send({ message: 'Pick one of the installed job types first.' });
      const stored = job ? storedOrNone(job) : {};
      const entries: LogEntry[] = [];
      let atria: AtriaConnection = { baseUrl: '', token: '' };
      try {
        atria = atriaConnection(paths);
      } catch {
        // Reported by the task as CW03 (no Atria connection).
      }
      const result = await loaded.taskType.check({
        jobId: job?.id ?? 'connection-test',
        runId: `check-${Date.now()}`,
        jobName: job?.name ?? 'connection test',
        parameters: request.body.parameters,
        secrets: mergeSecrets(stored, request.body.secrets),
        logLevel: 'Info',
        log: (entry) => entries.push(entry),
        signal: AbortSignal.timeout(60_000),
        atria,
        now: () => new Date(),
      });
      return {
        ok: result.ok,
        status: result.status,
        period: result.period,
        entries: entries.filter((e) => e.level !== 'Verbose').map(entryView),
      };
    },
  );

  /** Run now (or a dry run of the job's parameters): answers with the run id as soon as the run has started. */
  app.post<{ Params: { id: string }; Body: { dryRun?: boolean } | undefined }>(
    '/api/jobs/:id/run',
    { schema: { params: JOB_ID, body: { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean' } } } } },
    async (request, reply) => {
      const { id } = request.params;
      if (!store.exists(id)) return replyNotFound(reply, `job ${id}`);
      const job = store.get(id);
      const loaded = await taskTypeOf(undefined, job);
      if (!loaded) return reply.code(409).send({ message: `The job type ${job.taskType} is not installed.` });
      const dryRun = request.body?.dryRun === true;
      try {
        const run = await runs.start(store, job, loaded, { dryRun });
        return reply.code(202).send({ runId: run.runId });
      } catch (error) {
        if (error instanceof JobBusyError) return reply.code(409).send({ message: `${job.name} is already running.` });
        // The runner's own refusal (a dry run of parameters that are no JSON object): said as it says it.
        if (error instanceof UsageError) return reply.code(409).send({ message: error.message });
        throw error;
      }
    },
  );
}
