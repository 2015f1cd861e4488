import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  from: string;
  to: string[];
  user?: string;
  body: string;
}

/** A local SMTP server that keeps what it is sent (and checks the sign-in), like a mail relay would. */
export async function smtpSink(user: string, password: string): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _session, callback) =>
      auth.username === user && auth.password === password ? callback(null, { user }) : callback(new Error('Invalid username or password')),
    onData: (stream, session, callback) => {
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A local incoming webhook: keeps each JSON body posted to its secret path. */
export async function webhookSink(
  secretPath: string,
): Promise<{ url: string; bodies: { text: string; run?: { runId: string } }[]; server: Server }> {
  const bodies: { text: string; run?: { runId: string } }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url !== secretPath || request.headers['content-type'] !== 'application/json') return void response.writeHead(404).end();
      bodies.push(JSON.parse(body) as { text: string });
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${secretPath}`, bodies, server };
}

/** Quoted-printable soft line breaks and escapes undone: the mail's text as a reader sees it. */
export function readable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const escaped = joined[i] === '=' && /^[0-9A-F]{2}$/.test(joined.slice(i + 1, i + 3));
    if (escaped) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
