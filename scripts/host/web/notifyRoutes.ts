import type { FastifyInstance } from 'fastify';
import { JobStore } from '../jobs.js';
import type { HostPaths } from '../paths.js';
import { testNotification } from '../notify/message.js';
import { deliver } from '../notify/notifyRun.js';
import { readNotifySettings, saveNotifySettings, webhookUrlProblem, type SmtpSecurity } from '../notify/settings.js';
import { JOB_ID } from './routeSchemas.js';
import { replyNotFound } from './replies.js';

const SETTINGS_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['smtp', 'consoleUrl'],
  properties: {
    smtp: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['host', 'port', 'security', 'from'],
      properties: {
        host: { type: 'string', minLength: 1, maxLength: 253 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        security: { type: 'string', enum: ['tls', 'starttls', 'none'] },
        user: { type: 'string', maxLength: 320 },
        // Blank keeps the stored password; never sent back to a page.
        password: { type: 'string', maxLength: 1000 },
        from: { type: 'string', minLength: 3, maxLength: 320 },
      },
    },
    consoleUrl: { type: 'string', maxLength: 2000 },
  },
} as const;

interface SettingsBody {
  smtp: { host: string; port: number; security: SmtpSecurity; user?: string; password?: string; from: string } | null;
  consoleUrl: string;
}

/** The host's notification settings in the console (Settings page) and a job's Send test. Secrets go in, never out. */
export function registerNotifyRoutes(app: FastifyInstance, paths: HostPaths): void {
  const store = new JobStore(paths);

  app.get('/api/settings/notifications', async () => {
    const { smtp, consoleUrl } = readNotifySettings(paths);
    return {
      smtp: smtp
        ? {
            host: smtp.host,
            port: smtp.port,
            security: smtp.security,
            user: smtp.user ?? '',
            from: smtp.from,
            passwordSet: smtp.password !== undefined,
          }
        : null,
      consoleUrl: consoleUrl ?? '',
    };
  });

  app.put<{ Body: SettingsBody }>('/api/settings/notifications', { schema: { body: SETTINGS_BODY } }, async (request, reply) => {
    const { smtp, consoleUrl } = request.body;
    const problem = consoleUrl.trim() ? webhookUrlProblem(consoleUrl.trim()) : undefined;
    if (problem)
      return reply.code(422).send({ problems: [{ field: 'consoleUrl', level: 'Error', message: `The console's address: ${problem}.` }] });
    saveNotifySettings(paths, {
      ...(smtp
        ? {
            smtp: {
              host: smtp.host.trim(),
              port: smtp.port,
              security: smtp.security,
              ...(smtp.user?.trim() ? { user: smtp.user.trim() } : {}),
              ...(smtp.password ? { password: smtp.password } : {}),
              from: smtp.from.trim(),
            },
          }
        : { removeSmtp: true }),
      consoleUrl: consoleUrl.trim() || null,
    });
    return { saved: true };
  });

  /** Send test: one message on each of the job's channels, now; how each went. */
  app.post<{ Params: { id: string } }>(
    '/api/jobs/:id/notify-test',
    { schema: { params: JOB_ID, body: { type: 'object', additionalProperties: false, properties: {} } } },
    async (request, reply) => {
      if (!store.exists(request.params.id)) return replyNotFound(reply, `job ${request.params.id}`);
      const job = store.get(request.params.id);
      if (!job.notify)
        return reply.code(409).send({ message: 'This job notifies nobody yet: add recipients or a webhook and save the job first.' });
      return { outcomes: await deliver(paths, job, testNotification(job.name, readNotifySettings(paths).consoleUrl)) };
    },
  );
}
