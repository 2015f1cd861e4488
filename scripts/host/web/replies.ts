import type { FastifyReply } from 'fastify';

/** The console's 404: what was asked for, in words (the routes and the server's fallback answer alike). */
export const replyNotFound = (reply: FastifyReply, what: string) => reply.code(404).send({ message: `Not found: ${what}` });
