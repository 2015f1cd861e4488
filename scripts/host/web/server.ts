import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type HostPaths } from '../paths.js';
import { registerJobRoutes } from './jobRoutes.js';
import { replyNotFound } from './replies.js';
import { consoleShell, signInPage } from './pages.js';
import { verifyPassword, type PasswordHash } from './password.js';
import { RunStarter, registerRunRoutes } from './runRoutes.js';
import { registerPlanRoutes } from './planRoutes.js';
import { registerNotifyRoutes } from './notifyRoutes.js';
import { closeEveryRoute, strictValidation } from './strictRoutes.js';
import { newToken, sameToken, SessionStore, SignInThrottle, type Session } from './sessions.js';
import { JsonSyntaxError, parseLenientJson } from '../../../src/index.js';

/** Two stacked bars in the console's header colours: a ledger. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#14213d"/><rect x="3" y="4" width="10" height="2.5" fill="#fca311"/><rect x="3" y="9" width="7" height="2.5" fill="#fff"/></svg>';

/** The page's code and style, built by `npm run build` (scripts/bundleConsole.mjs). */
export const CONSOLE_ASSETS = path.join(REPO_ROOT, 'dist', 'web');

const SESSION_COOKIE = 'cwm_console_session';
const SIGN_IN_COOKIE = 'cwm_console_sign_in';
const COOKIE = { httpOnly: true, sameSite: 'strict', path: '/' } as const;

/** Nothing from elsewhere: scripts, styles, fonts, frames and form targets are this console's own. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ConsoleOptions {
  paths: HostPaths;
  password: PasswordHash;
  /** Wait after each failed sign-in, times the failures in a row. */
  signInDelayMs?: number;
}

export interface WebConsole {
  app: FastifyInstance;
  runs: RunStarter;
}

const sessions = new WeakMap<FastifyRequest, Session>();

/** The session of a request that passed the sign-in check. */
export function sessionOf(request: FastifyRequest): Session {
  const session = sessions.get(request);
  if (!session) throw new Error('route reached without a session');
  return session;
}

export async function buildConsole(options: ConsoleOptions): Promise<WebConsole> {
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, ...strictValidation });
  closeEveryRoute(app);
  await app.register(cookie);
  const store = new SessionStore();
  const throttle = new SignInThrottle(options.signInDelayMs);
  const asset = (name: string): Buffer => readFileSync(path.join(CONSOLE_ASSETS, name));
  const assets = { 'console.js': asset('console.js'), 'console.css': asset('console.css') };

  // A job's body carries its secrets: a syntax error says where it is, never what was there (Node's own message quotes the text).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseLenientJson(String(body)));
    } catch (error) {
      const where = error instanceof JsonSyntaxError ? `: ${error.withoutContent}` : '';
      done(Object.assign(new Error(`the request body is not valid JSON${where}`), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // Only this machine's own names: a page of another site that renamed itself to 127.0.0.1 (DNS rebinding) is refused.
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? '';
    const port = (app.server.address() as { port?: number } | null)?.port;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return reply.code(421).type('text/plain').send('This console answers on 127.0.0.1 only.');
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    if (!request.url.startsWith('/assets/')) reply.header('Cache-Control', 'no-store');
  });

  // Every route but the sign-in page and the style sheet needs a session; every change needs the session's CSRF token.
  const PUBLIC = new Set(['/login', '/assets/console.css', '/favicon.ico', '/favicon.svg']);
  // onRequest, before the body is read or validated: a request without a session or token learns nothing.
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? request.url;
    if (PUBLIC.has(route)) return;
    const session = store.find(request.cookies[SESSION_COOKIE]);
    if (!session) {
      // The page itself sends a browser to the sign-in page; anything else just refuses.
      if (route === '/' && request.method === 'GET') return reply.redirect('/login', 303);
      return reply.code(401).send({ message: 'Sign in first.' });
    }
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      !sameToken(headerValue(request.headers['x-csrf-token']), session.csrfToken)
    ) {
      return reply.code(403).send({ message: 'The request has no valid CSRF token: reload the page and try again.' });
    }
    sessions.set(request, session);
  });

  const signInQuery = { type: 'object', additionalProperties: false, properties: { ended: { type: 'string', enum: ['1'] } } } as const;
  app.get<{ Querystring: { ended?: string } }>('/login', { schema: { querystring: signInQuery } }, async (request, reply) => {
    const token = newToken();
    reply.setCookie(SIGN_IN_COOKIE, token, COOKIE);
    const notice = request.query.ended ? 'Your session ended (idle for an hour, or the console restarted): sign in again.' : undefined;
    return reply.type('text/html; charset=utf-8').send(signInPage(token, undefined, notice));
  });

  const signInBody = {
    type: 'object',
    additionalProperties: false,
    properties: { password: { type: 'string' }, csrf: { type: 'string' } },
  };
  app.post<{ Body: { password?: string; csrf?: string } }>('/login', { schema: { body: signInBody } }, async (request, reply) => {
    // A sign-in form posted from another site carries no matching cookie and token pair.
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || !sameToken(request.body?.csrf, expected))
      return reply.code(403).type('text/html; charset=utf-8').send(signInPage(newToken(), 'The sign-in form expired: try again.'));
    const password = typeof request.body?.password === 'string' ? request.body.password : '';
    const ok = await throttle.attempt(`${request.ip} ${expected}`, () => verifyPassword(password, options.password));
    // The same sign-in cookie again: the next wrong password from this browser waits a step longer.
    if (!ok) return reply.code(401).type('text/html; charset=utf-8').send(signInPage(expected, 'That password is not right.'));
    const session = store.create();
    reply.clearCookie(SIGN_IN_COOKIE, COOKIE);
    reply.setCookie(SESSION_COOKIE, session.id, COOKIE);
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (request, reply) => {
    store.end(sessionOf(request).id);
    reply.clearCookie(SESSION_COOKIE, COOKIE);
    return reply.send({ signedOut: true });
  });

  app.get('/', async (request, reply) => reply.type('text/html; charset=utf-8').send(consoleShell(sessionOf(request).csrfToken)));
  app.get('/assets/console.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(assets['console.js']));
  app.get('/assets/console.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(assets['console.css']));
  // A favicon for the tab (the browser asks before any sign-in): public, as the style sheet is.
  for (const route of ['/favicon.ico', '/favicon.svg'])
    app.get(route, async (_request, reply) => reply.type('image/svg+xml').header('Cache-Control', 'max-age=86400').send(FAVICON));

  const runs = new RunStarter(options.paths);
  registerJobRoutes(app, options.paths, runs);
  registerRunRoutes(app, options.paths);
  registerPlanRoutes(app, options.paths, runs);
  registerNotifyRoutes(app, options.paths);
  app.setNotFoundHandler((request, reply) => replyNotFound(reply, request.url));
  return { app, runs };
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
