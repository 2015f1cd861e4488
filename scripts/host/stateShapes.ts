import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The shapes of the host's state files, checked whenever one is read: valid JSON of another shape
 * (`null`, `{}`, `[]` where a job should be) is a damaged file, named and skipped like a truncated one,
 * never a crash further on.
 */
export interface StateShape<T> {
  /** What the file should hold, for the message: "not a job". */
  what: string;
  validate: ValidateFunction<T>;
}

const ajv = new Ajv({ allErrors: false, strict: true });
const text = { type: 'string' } as const;
const sealed = {
  type: 'object',
  required: ['alg', 'iv', 'tag', 'data'],
  properties: { alg: { const: 'aes-256-gcm' }, v: { type: 'integer' }, iv: text, tag: text, data: text },
} as const;

const shape = <T>(what: string, schema: object): StateShape<T> => ({ what, validate: ajv.compile<T>(schema) });

export const JOB_SHAPE = shape<import('./jobs.js').Job>('a job', {
  type: 'object',
  required: ['id', 'name', 'taskType', 'logLevel', 'cron', 'secrets', 'enabled', 'createdAt', 'lastScheduledAt'],
  properties: {
    id: text,
    name: text,
    taskType: text,
    extensionId: text,
    taskTypeId: text,
    logLevel: { enum: ['Verbose', 'Info', 'Warning', 'Error'] },
    cron: text,
    timeZone: text,
    parameters: {},
    secrets: sealed,
    enabled: { type: 'boolean' },
    createdAt: text,
    lastScheduledAt: text,
    lastRun: {
      type: 'object',
      required: ['runId', 'status', 'startedAt'],
      properties: { runId: text, status: text, startedAt: text, finishedAt: text, dryRun: { type: 'boolean' } },
    },
    rerunPending: { type: 'boolean' },
    requireApproval: { type: 'boolean' },
    notify: {
      type: 'object',
      required: ['emails'],
      properties: { emails: { type: 'array', items: text }, webhook: sealed },
    },
  },
});

export const RUN_SHAPE = shape<import('./runRecords.js').RunRecord>('a run record', {
  type: 'object',
  required: ['runId', 'jobId', 'jobName', 'status', 'startedAt'],
  properties: {
    runId: { type: 'string', pattern: '^[\\w-]+$' },
    jobId: text,
    jobName: text,
    extensionVersion: text,
    status: text,
    startedAt: text,
    finishedAt: text,
    counts: { type: 'object', additionalProperties: { type: 'number' } },
    changes: { type: 'number' },
    holder: { type: 'object', required: ['pid', 'hostname'], properties: { pid: { type: 'integer' }, hostname: text } },
    logGap: text,
    dryRun: { type: 'boolean' },
    trigger: text,
    period: { type: 'object', required: ['startDate', 'endDate'], properties: { startDate: text, endDate: text } },
    applies: text,
    reverts: text,
    appliedBy: text,
    revertedBy: text,
    approval: {
      type: 'object',
      required: ['state', 'reviewStatus'],
      properties: { state: { enum: ['awaiting', 'approved', 'rejected', 'superseded'] }, reviewStatus: text, decidedAt: text, by: text },
    },
    notifications: {
      type: 'array',
      items: {
        type: 'object',
        required: ['channel', 'target', 'ok'],
        properties: { channel: text, target: text, ok: { type: 'boolean' }, error: text, at: text },
      },
    },
    lateEntries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['timestamp', 'level', 'code', 'message'],
        properties: { timestamp: text, level: text, code: text, message: text },
      },
    },
  },
});

export const PLAN_SHAPE = shape<import('../../src/host/api.js').PlanItem[]>('a run plan', {
  type: 'array',
  items: {
    type: 'object',
    required: ['customer', 'sku', 'after', 'action', 'outcome'],
    properties: { customer: text, sku: text, after: { type: 'number' }, action: text, outcome: text },
  },
});

export const HOST_CONFIG_SHAPE = shape<{
  atriaUrl?: string;
  atriaToken?: import('./secretBox.js').Sealed;
  smtp?: import('./notify/settings.js').SmtpSettings;
  consoleUrl?: string;
}>("the host's configuration", {
  type: 'object',
  properties: {
    atriaUrl: text,
    atriaToken: sealed,
    smtp: {
      type: 'object',
      required: ['host', 'port', 'security', 'from'],
      properties: {
        host: text,
        port: { type: 'integer' },
        security: { enum: ['tls', 'starttls', 'none'] },
        user: text,
        password: sealed,
        from: text,
      },
    },
    consoleUrl: text,
  },
});

export const PASSWORD_SHAPE = shape<import('./web/password.js').PasswordHash>("the console's password hash", {
  type: 'object',
  required: ['algorithm', 'salt', 'hash', 'N', 'r', 'p'],
  properties: {
    algorithm: { const: 'scrypt' },
    salt: text,
    hash: text,
    N: { type: 'integer' },
    r: { type: 'integer' },
    p: { type: 'integer' },
  },
});

export const RESTART_SHAPE = shape<{ requestedAt: string; version: string }>('a restart request', {
  type: 'object',
  required: ['requestedAt'],
  properties: { requestedAt: text, version: text },
});

export const MANIFEST_SHAPE = shape<import('./extensions.js').Manifest>("an extension's manifest", {
  type: 'object',
  required: ['id', 'version', 'entry'],
  properties: { id: text, version: text, entry: text },
});
