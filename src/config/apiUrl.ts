/**
 * Turns what an administrator types as `apiUrl` into the ConnectWise API base:
 * a full base is kept (trailing slash dropped); a site host gets the API host and codebase.
 */
const DEFAULT_CODEBASE = 'v4_6_release';
const API_PATH = '/apis/3.0';
/** ConnectWise cloud site hosts and their API hosts: `na.myconnectwise.net` → `api-na.myconnectwise.net`, staging likewise. */
const CLOUD_SITE = /^((na|eu|au|aus|za)\.myconnectwise\.net|staging\.connectwisedev\.com)$/i;

export class ApiUrlError extends Error {}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function normalizeApiUrl(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new ApiUrlError('api url is not available');
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `https://${trimmed}`);
  } catch {
    throw new ApiUrlError(`'${trimmed}' is not a valid URL or host name`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ApiUrlError('plain http is refused except to a loopback address; use https');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ApiUrlError(`scheme '${url.protocol}' is not supported; use https`);
  }
  if (url.username || url.password) throw new ApiUrlError('credentials belong in the secrets, not in apiUrl');
  if (url.search || url.hash) throw new ApiUrlError('apiUrl must not carry a query or fragment');

  const host = CLOUD_SITE.test(url.hostname) ? `api-${url.hostname.toLowerCase()}` : url.hostname.toLowerCase();
  const origin = `${url.protocol}//${url.port ? `${formatHost(host)}:${url.port}` : formatHost(host)}`;
  const path = url.pathname.replace(/\/+$/, '');
  const apiAt = path.toLowerCase().indexOf(API_PATH);
  if (apiAt >= 0) return origin + path.slice(0, apiAt + API_PATH.length);
  const codebase = path.split('/').filter(Boolean);
  if (codebase.length > 1) throw new ApiUrlError(`path '${url.pathname}' is neither a codebase nor an API base ending in ${API_PATH}`);
  return `${origin}/${codebase[0] ?? DEFAULT_CODEBASE}${API_PATH}`;
}

const formatHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Why the Atria URL must not receive the Atria token, or undefined when it may: https, or plain
 * http to a loopback address only (a bearer token over plain http to another host can be read on the way).
 */
export function atriaUrlProblem(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return `'${input}' is not a valid URL (for example https://atria.example.com)`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return isLoopbackHost(url.hostname)
      ? undefined
      : 'plain http is refused for Atria except to a loopback address (the token would travel unencrypted); use https';
  return `scheme '${url.protocol}' is not supported for Atria; use https`;
}
