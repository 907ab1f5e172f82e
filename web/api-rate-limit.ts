import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { ApiRateLimit } from '../config/env.js';

/**
 * A budget of calls per API key (not per address: many billing systems share one egress IP, and one
 * runaway integration must not starve the others). Counted in this process's memory, so behind N
 * API processes a key may make up to N times the limit. Every answer carries the RateLimit headers
 * of the IETF draft (`RateLimit-Limit`, `-Remaining`, `-Reset`, `-Policy`); a call over the budget
 * gets 429 with `Retry-After` and changes nothing. Register after the key is authenticated.
 */
export async function limitCallsPerApiKey(api: FastifyInstance, limit: ApiRateLimit): Promise<void> {
  await api.register(rateLimit, { global: false });
  const take = api.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowSeconds * 1000,
    keyGenerator: (request) => `api-key:${request.apiKey?.id ?? ''}`,
  });
  api.addHook('onRequest', async (request, reply) => {
    const key = request.apiKey;
    if (!key) return;
    const result = await take(request);
    if (result.isAllowed) return;
    reply
      .header('ratelimit-limit', result.max)
      .header('ratelimit-remaining', result.remaining)
      .header('ratelimit-reset', result.ttlInSeconds)
      .header('ratelimit-policy', `${result.max};w=${limit.windowSeconds}`);
    if (!result.isExceeded) return;
    return reply
      .status(429)
      .header('retry-after', String(result.ttlInSeconds))
      .send({
        error: 'rate_limited',
        message: `This key (${key.name}) made more than ${result.max} calls in ${limit.windowSeconds} s; nothing was changed. Retry in ${result.ttlInSeconds} s, spread the calls out, or send many cases at once through POST /v1/imports.`,
      });
  });
}
