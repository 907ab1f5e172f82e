import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/**
 * Below Linux's ephemeral range (32768–60999): a port chosen there is never taken as the source
 * port of an outgoing connection (a database or gRPC client) between our check and the server's
 * listen, as a port the kernel hands out for `listen(0)` can be (EADDRINUSE seen in CI runs).
 */
const RANGE = { from: 20_000, to: 32_000 } as const;

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port free right now: for servers whose own URL must be known before they listen. */
export async function unusedPort(): Promise<number> {
  for (;;) {
    const port = randomInt(RANGE.from, RANGE.to);
    if (await isFree(port)) return port;
  }
}
