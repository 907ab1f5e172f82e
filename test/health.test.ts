import type { Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { ServiceHealth } from '../runtime/health.js';

/** How Temporal's health check answers in each probe: in time, late, or with a refused connection. */
type Answer = 'serving' | 'late' | 'refused';

/** The part of a Temporal connection the probe uses, answering as scripted. */
function temporalAnswering(answers: Answer[]): Connection {
  const next = async () => {
    const answer = answers.shift() ?? 'serving';
    if (answer === 'late') throw Object.assign(new Error('deadline exceeded'), { code: 4 });
    if (answer === 'refused') throw Object.assign(new Error('connection refused'), { code: 14 });
    return {};
  };
  return {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    healthService: { check: next },
  } as unknown as Connection;
}

describe('service health', () => {
  const db = openDatabase({ url: undefined });
  afterAll(() => db.destroy());
  const logger = pino({ level: 'silent' });

  it('a busy Temporal (late answers) stays up until it is late three times in a row', async () => {
    const health = new ServiceHealth(
      temporalAnswering(['late', 'late', 'serving', 'late', 'late', 'late']),
      db,
      logger,
    );
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push((await health.probe()).temporal);
    expect(seen).toEqual(['up', 'up', 'up', 'up', 'up', 'down']);
  });

  it('a refused connection is down at once, and up again with the first answer', async () => {
    const health = new ServiceHealth(temporalAnswering(['refused', 'late', 'serving']), db, logger);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await health.probe()).temporal);
    expect(seen).toEqual(['down', 'down', 'up']);
  });
});
