import nodemailer from 'nodemailer';
import type { Notification } from './message.js';
import type { SmtpSettings } from './settings.js';

/** How long a notification may take before it counts as failed: a dead server never holds a run's end for long. */
const TIMEOUT_MS = 10_000;

/** One message by e-mail through the host's SMTP server; throws what the server or the network said. */
export async function sendEmail(
  smtp: SmtpSettings,
  password: string | undefined,
  to: readonly string[],
  message: Notification,
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? '' } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: smtp.from, to: [...to], subject: message.subject, text: message.text });
  } finally {
    transport.close();
  }
}

/** One message to an incoming webhook: JSON whose `text` Teams and Slack show as it is. Throws on no answer or a non-2xx one. */
export async function sendWebhook(url: string, message: Notification, run?: { runId: string; status: string }): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: `${message.subject}\n\n${message.text}`, ...(run ? { run } : {}) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  // The answer's body is drained, never shown: a webhook's error page may echo its URL's key.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the webhook answered ${response.status} ${response.statusText}`.trim());
}
