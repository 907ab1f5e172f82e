/** Asks again until the answer is what the test waits for (eventually consistent reads), at most 20 s. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  /** Longer for what waits on Temporal's timeouts, e.g. after a worker was killed. */
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
