/** The route parameters the console's API takes, as Fastify route schemas (checked before a handler runs). */
export const JOB_ID = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f-]{8,}$' } } } as const;
export const RUN_ID = {
  type: 'object',
  required: ['runId'],
  properties: { runId: { type: 'string', pattern: '^[\\w-]+$', maxLength: 80 } },
} as const;
