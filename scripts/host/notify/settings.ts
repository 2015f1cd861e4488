import { readJson, writeJsonAtomic } from '../atomicFile.js';
import { UsageError } from '../errors.js';
import type { Job, JobStore } from '../jobs.js';
import type { HostPaths } from '../paths.js';
import { loadKey, open, seal, type Sealed } from '../secretBox.js';
import { HOST_CONFIG_SHAPE } from '../stateShapes.js';
import { atriaUrlProblem } from '../../../src/index.js';

/** How the host reaches its SMTP server: implicit TLS (465), STARTTLS (587), or plain (a relay on the machine). */
export type SmtpSecurity = 'tls' | 'starttls' | 'none';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  /** Sealed: write-only, never shown again. */
  password?: Sealed;
  from: string;
}

/** Per job: who hears about its runs. The webhook URL carries its own credential (Teams, Slack): sealed. */
export interface JobNotify {
  emails: string[];
  webhook?: Sealed;
}

export const SMTP_PASSWORD_BINDING = 'host:smtp-password';
export const jobWebhookBinding = (jobId: string): string => `job-webhook:${jobId}`;

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

/** The addresses in a list typed by a person (commas, semicolons, spaces or lines between), or a UsageError naming the first bad one. */
export function parseEmails(text: string): string[] {
  const emails = text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = emails.find((e) => !EMAIL.test(e));
  if (bad) throw new UsageError(`'${bad}' is not an e-mail address`);
  return [...new Set(emails)];
}

/** Why a webhook URL cannot be used, or undefined: https, or plain http to this machine (a local relay, the tests). */
export const webhookUrlProblem = (url: string): string | undefined => atriaUrlProblem(url);

export function readNotifySettings(paths: HostPaths): { smtp?: SmtpSettings; consoleUrl?: string } {
  const config = readJson(paths.configFile, HOST_CONFIG_SHAPE) ?? {};
  return { ...(config.smtp ? { smtp: config.smtp } : {}), ...(config.consoleUrl ? { consoleUrl: config.consoleUrl } : {}) };
}

/** Saves the SMTP settings and the console's address; a password left out keeps the stored one, `null` removes it. */
export function saveNotifySettings(
  paths: HostPaths,
  changes: { smtp?: Omit<SmtpSettings, 'password'> & { password?: string | null }; consoleUrl?: string | null; removeSmtp?: boolean },
): void {
  const config = readJson(paths.configFile, HOST_CONFIG_SHAPE) ?? {};
  if (changes.removeSmtp) delete config.smtp;
  if (changes.smtp) {
    const { password, ...rest } = changes.smtp;
    const kept = password === undefined ? config.smtp?.password : undefined;
    const sealed = password ? seal(loadKey(paths), password, SMTP_PASSWORD_BINDING) : kept;
    config.smtp = { ...rest, ...(sealed ? { password: sealed } : {}) };
  }
  if (changes.consoleUrl === null) delete config.consoleUrl;
  else if (changes.consoleUrl !== undefined) config.consoleUrl = changes.consoleUrl.replace(/\/+$/, '');
  writeJsonAtomic(paths.configFile, config);
}

export const smtpPassword = (paths: HostPaths, smtp: SmtpSettings): string | undefined =>
  smtp.password ? open(loadKey(paths, 'read'), smtp.password, SMTP_PASSWORD_BINDING) : undefined;

export const webhookUrl = (paths: HostPaths, job: Job): string | undefined =>
  job.notify?.webhook ? open(loadKey(paths, 'read'), job.notify.webhook, jobWebhookBinding(job.id)) : undefined;

/** Sets who hears about a job's runs; a webhook left out keeps the stored one, `null` removes it. */
export function setJobNotify(paths: HostPaths, store: JobStore, jobId: string, emails: string[], webhook?: string | null): Job {
  if (webhook) {
    const problem = webhookUrlProblem(webhook);
    if (problem) throw new UsageError(`the webhook URL: ${problem}`);
  }
  return store.update(jobId, (job) => {
    const kept = webhook === undefined ? job.notify?.webhook : undefined;
    const sealed = webhook ? seal(loadKey(paths), webhook, jobWebhookBinding(job.id)) : kept;
    if (emails.length === 0 && !sealed) delete job.notify;
    else job.notify = { emails, ...(sealed ? { webhook: sealed } : {}) };
  });
}
