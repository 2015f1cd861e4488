import type { FastifyInstance, FastifySchema, FastifyServerOptions } from 'fastify';

/** A request part with no fields at all: what a route that declares none takes. */
const NOTHING = { type: 'object', additionalProperties: false, properties: {} } as const;
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Fastify strips fields a schema does not name by default, so `{"dryrun": true}` (a typo) would start
 * a real run. Here a field nobody declared is a 400 naming it, on every route: a route without a
 * query or body schema takes none.
 */
export const strictValidation: Pick<FastifyServerOptions, 'ajv' | 'schemaErrorFormatter'> = {
  ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  schemaErrorFormatter: (errors, dataVar) => {
    const unknown = errors.find((e) => e.keyword === 'additionalProperties');
    const field = unknown?.params && (unknown.params as { additionalProperty?: string }).additionalProperty;
    if (field !== undefined) return new Error(`'${field}' is not a field of this request's ${dataVar}: check its spelling.`);
    return new Error(errors.map((e) => `${dataVar}${e.instancePath} ${e.message ?? 'is not valid'}`).join('; '));
  },
};

/** Pages (the console's shell and assets) may carry the page's own state in their query; requests that act may not. */
const acts = (url: string): boolean => url.startsWith('/api/') || url === '/login' || url === '/logout';

/** Gives every API route a closed query schema, and a closed body schema where it takes a body, unless it declares its own. */
export function closeEveryRoute(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!acts(route.url)) return;
    const schema: FastifySchema = { ...(route.schema ?? {}) };
    schema.querystring ??= NOTHING;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => WITH_BODY.has(m))) schema.body ??= NOTHING;
    route.schema = schema;
  });
  // A request without a body is an empty one: a route's optional fields stay optional.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && WITH_BODY.has(request.method)) request.body = {};
  });
}
