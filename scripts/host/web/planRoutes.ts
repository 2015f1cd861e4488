import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadAllTaskTypes, taskTypeOfJob } from '../extensions.js';
import { JobBusyError, UsageError } from '../errors.js';
import { JobStore } from '../jobs.js';
import type { HostPaths } from '../paths.js';
import { rejectRun, type WritePurpose } from '../planRuns.js';
import { readRunRecord, type RunTrigger } from '../runner.js';
import { replyNotFound } from './replies.js';
import { RUN_ID } from './routeSchemas.js';
import type { RunStarter } from './runRoutes.js';

const NO_BODY = { type: 'object', additionalProperties: false, properties: {} } as const;
const REVERT_BODY = { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean' } } } as const;

/**
 * A run's plan, acted on (SPEC 14): apply a reviewed dry run's, approve or reject one awaiting
 * approval, revert a run (or a dry run of the revert). Each write is a run of the job, answered with
 * its id as soon as it has started; the host's refusals (already applied, superseded…) are 409 with why.
 */
export function registerPlanRoutes(app: FastifyInstance, paths: HostPaths, runs: RunStarter): void {
  const store = new JobStore(paths);

  const startWrite = async (
    reply: FastifyReply,
    runId: string,
    purpose: WritePurpose,
    options: { trigger: RunTrigger; dryRun?: boolean; mustAwait?: boolean },
  ) => {
    const source = readRunRecord(paths, runId);
    if (!source) return replyNotFound(reply, `run ${runId}`);
    if (options.mustAwait && source.status !== 'AwaitingApproval')
      return reply.code(409).send({ message: `This run is not awaiting approval (${source.approval?.state ?? source.status}).` });
    if (!store.exists(source.jobId)) return reply.code(409).send({ message: 'The job of this run was deleted.' });
    const job = store.get(source.jobId);
    const loaded = taskTypeOfJob(await loadAllTaskTypes(paths, (line) => console.error(line)), job);
    if (!loaded) return reply.code(409).send({ message: `The job type ${job.taskType} is not installed.` });
    try {
      const run = await runs.start(store, job, loaded, { trigger: options.trigger, dryRun: options.dryRun, write: { purpose, runId } });
      return reply.code(202).send({ runId: run.runId });
    } catch (error) {
      if (error instanceof JobBusyError) return reply.code(409).send({ message: `${job.name} is already running.` });
      if (error instanceof UsageError) return reply.code(409).send({ message: sentence(error.message) });
      throw error;
    }
  };

  app.post<{ Params: { runId: string } }>('/api/runs/:runId/apply', { schema: { params: RUN_ID, body: NO_BODY } }, (request, reply) =>
    startWrite(reply, request.params.runId, 'apply', { trigger: 'apply' }),
  );
  app.post<{ Params: { runId: string } }>('/api/runs/:runId/approve', { schema: { params: RUN_ID, body: NO_BODY } }, (request, reply) =>
    startWrite(reply, request.params.runId, 'apply', { trigger: 'approval', mustAwait: true }),
  );
  app.post<{ Params: { runId: string }; Body: { dryRun?: boolean } | undefined }>(
    '/api/runs/:runId/revert',
    { schema: { params: RUN_ID, body: REVERT_BODY } },
    (request, reply) => startWrite(reply, request.params.runId, 'revert', { trigger: 'revert', dryRun: request.body?.dryRun === true }),
  );
  app.post<{ Params: { runId: string } }>(
    '/api/runs/:runId/reject',
    { schema: { params: RUN_ID, body: NO_BODY } },
    async (request, reply) => {
      if (!readRunRecord(paths, request.params.runId)) return replyNotFound(reply, `run ${request.params.runId}`);
      try {
        const rejected = await rejectRun(paths, store, request.params.runId);
        return { runId: rejected.runId, status: rejected.status };
      } catch (error) {
        if (error instanceof UsageError || error instanceof JobBusyError) return reply.code(409).send({ message: sentence(error.message) });
        throw error;
      }
    },
  );
}

/** The host's message as a sentence for a page: capital first, full stop last. */
const sentence = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');
