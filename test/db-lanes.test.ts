import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { LaneGate, urgently } from '../db/lanes.js';

describe('the database lanes', () => {
  it('hands a freed slot to urgent waiters first, each lane in order of asking', async () => {
    const gate = new LaneGate(1);
    await gate.enter();
    const order: string[] = [];
    const waiters = [
      gate.enter().then(() => order.push('bulk 1')),
      gate.enter().then(() => order.push('bulk 2')),
      urgently(() => gate.enter()).then(() => order.push('urgent 1')),
      urgently(() => gate.enter()).then(() => order.push('urgent 2')),
    ];
    for (const _ of waiters) gate.leave();
    await Promise.all(waiters);
    expect(order).toEqual(['urgent 1', 'urgent 2', 'bulk 1', 'bulk 2']);
  });
});

describe('the embedded database on its own thread', () => {
  let db: Database;
  beforeAll(() => {
    db = openDatabase({ url: undefined });
  });
  afterAll(() => db.destroy());

  it('answers an urgent query before the bulk queries queued ahead of it', async () => {
    await sql`select 1`.execute(db);
    const done: string[] = [];
    const bulk = Array.from({ length: 6 }, (_, i) =>
      sql`select sum(x) from generate_series(1, 200000) as x`.execute(db).then(() => done.push(`bulk ${i}`)),
    );
    const urgent = urgently(() => sql`select 1`.execute(db)).then(() => done.push('urgent'));
    await Promise.all([...bulk, urgent]);
    // At most the bulk query already running went first.
    expect(done.indexOf('urgent')).toBeLessThanOrEqual(1);
  });

  it('runs nothing else inside an open transaction, however urgent', async () => {
    await sql`create table lane_tx (id int)`.execute(db);
    let outside: Promise<number> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into lane_tx values (1)`.execute(trx);
        outside = urgently(() =>
          sql<{ n: number }>`select count(*)::int8 as n from lane_tx`.execute(db),
        ).then(({ rows }) => rows[0]!.n);
        // The outside query is posted; the transaction goes on, then fails and is rolled back.
        await sql`select pg_sleep(0.05)`.execute(trx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // Had it run inside the transaction, it would have counted the row that was rolled back.
    expect(await outside).toBe(0);
  });

  it('keeps the main thread free while a long query runs', async () => {
    let turns = 0;
    let answered = false;
    const query = sql`select sum(x) from generate_series(1, 5000000) as x`
      .execute(db)
      .then(() => (answered = true));
    while (!answered) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    await query;
    // In the main thread, PGlite ran the query in one synchronous stretch: a handful of turns.
    expect(turns).toBeGreaterThan(50);
  });

  it('rejects with PostgreSQL’s message and code, and goes on answering', async () => {
    await sql`create table lane_test (id int primary key)`.execute(db);
    await sql`insert into lane_test values (1)`.execute(db);
    await expect(sql`insert into lane_test values (1)`.execute(db)).rejects.toMatchObject({
      message: expect.stringContaining('duplicate key'),
      code: '23505',
    });
    const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from lane_test`.execute(db);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('fails a statement whose parameter cannot reach the thread, and goes on answering', async () => {
    const unsendable = { read: () => 1 } as unknown as number;
    await expect(sql`select ${unsendable} as x`.execute(db)).rejects.toThrow(
      'a parameter cannot go to the embedded database',
    );
    const { rows } = await sql<{ x: number }>`select 1 as x`.execute(db);
    expect(rows).toEqual([{ x: 1 }]);
  });
});
