import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { PayloadKeyUnavailable } from '../../crypto/key-ring.js';
import { authenticateApiKey } from '../../db/api-keys.js';
import { bearerToken } from '../api-auth.js';
import { currentSession } from '../inbox/session.js';

/** Temporal's remote codec protocol: payloads as JSON with base64 metadata values and data. */
const wirePayload = z.object({
  metadata: z.record(z.string(), z.base64()).default({}),
  data: z.base64().default(''),
});
const codecBody = z.object({ payloads: z.array(wirePayload).max(10_000) });
type WirePayload = z.infer<typeof wirePayload>;

const fromWire = (p: WirePayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const toWire = (p: Payload): WirePayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecRouteDeps {
  db: Database;
  codec: PayloadCodec;
  /** Origins of the Temporal Web UI allowed to call with the staff cookie. */
  uiOrigins: readonly string[];
}

/**
 * The codec server for the Temporal Web UI and CLI (`POST /codec/decode`, `/codec/encode`): only
 * for staff signed in to the inbox (cookie, sent by the UI with "include cross-origin credentials")
 * or callers with an API key. A payload whose key was destroyed by an erasure stays encrypted.
 */
export async function codecRoutes(app: FastifyInstance, deps: CodecRouteDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const cors = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin && deps.uiOrigins.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
    }
  };
  api.options('/codec/:operation', { schema: { hide: true } }, async (request, reply) => {
    cors(request, reply);
    reply.header('access-control-allow-methods', 'POST');
    reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
    reply.header('access-control-max-age', '600');
    return reply.status(204).send();
  });

  const isStaff = async (request: FastifyRequest): Promise<boolean> => {
    // Decoded payloads hold personal data: a key needs the admin scope.
    const token = bearerToken(request);
    if (token) return (await authenticateApiKey(deps.db, token))?.scopes.includes('admin') ?? false;
    return (await currentSession(deps.db, request)) !== undefined;
  };

  const decodeOne = async (payload: Payload): Promise<Payload> => {
    try {
      return (await deps.codec.decode([payload]))[0]!;
    } catch (error) {
      if (error instanceof PayloadKeyUnavailable) return payload;
      throw error;
    }
  };

  for (const operation of ['decode', 'encode'] as const) {
    api.post(
      `/codec/${operation}`,
      {
        schema: {
          summary: `Temporal remote codec: ${operation} payloads (staff session or API key)`,
          tags: ['codec'],
          body: codecBody,
        },
      },
      async (request, reply) => {
        cors(request, reply);
        if (!(await isStaff(request))) {
          return reply.status(401).send({
            error: 'unauthorized',
            message: 'Sign in to the agent inbox (/inbox/login) or send "Authorization: Bearer <API key>".',
          });
        }
        const payloads = request.body.payloads.map(fromWire);
        const result =
          operation === 'decode'
            ? await Promise.all(payloads.map(decodeOne))
            : await deps.codec.encode(payloads);
        return { payloads: result.map(toWire) };
      },
    );
  }
}
