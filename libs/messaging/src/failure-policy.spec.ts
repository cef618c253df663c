import { HttpException } from '@nestjs/common';
import { PermanentEventError } from './errors';
import { failureDecision, messageOf, undecodableDecision } from './failure-policy';

const pg = (code: string, message = `pg ${code}`) => Object.assign(new Error(message), { code });
const typeorm = (code: string, message = `pg ${code}`) =>
  Object.assign(new Error(message), { driverError: { code, message } });
/** No jitter: the delay is the backoff's middle value. */
const middle = () => 0.5;

describe('failureDecision: permanent failures are dead-lettered on this delivery', () => {
  it.each([1, 2, 5, 40])('a PermanentEventError, on delivery %i, with its own reason and message', (delivery) => {
    expect(failureDecision(new PermanentEventError('SCHEMA', 'data.title missing'), delivery, 5)).toEqual({
      action: 'DEAD_LETTER',
      reason: 'SCHEMA',
      detail: 'data.title missing',
    });
  });

  it.each([
    ['22008', 'data exception'],
    ['22P05', 'data exception'],
    ['22001', 'data exception'],
    ['22007', 'data exception'],
    ['54000', 'program limit exceeded'],
  ])('SQLSTATE %s (%s), as the database says it', (code, name) => {
    expect(failureDecision(typeorm(code, 'the words'), 1, 5)).toEqual({
      action: 'DEAD_LETTER',
      reason: `SQLSTATE_${code}`,
      detail: `SQLSTATE ${code} (${name}): the words`,
    });
  });

  it('a permanent failure even when the database is said to be unavailable in its cause', () => {
    const err = Object.assign(new PermanentEventError('SCHEMA'), { cause: pg('57P01') });
    expect(failureDecision(err, 1, 5)).toMatchObject({ action: 'DEAD_LETTER', reason: 'SCHEMA' });
  });
});

describe('failureDecision: transient failures are redelivered until maxDeliver', () => {
  it.each([
    ['unique violation', pg('23505')],
    ['foreign-key violation', pg('23503')],
    ['deadlock', pg('40P01')],
    ['serialization failure', typeorm('40001')],
    ['statement timeout', pg('57014')],
    ['undefined table (a deployment fault)', pg('42P01')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a plain object thrown', { message: 'rpc error' }],
  ])('%s: nak with backoff before maxDeliver', (_, err) => {
    expect(failureDecision(err, 1, 5, middle)).toEqual({
      action: 'REDELIVER',
      delayMs: 500,
      databaseUnavailable: false,
    });
    expect(failureDecision(err, 4, 5, middle)).toEqual({
      action: 'REDELIVER',
      delayMs: 4000,
      databaseUnavailable: false,
    });
  });

  it.each([5, 6, 100])('dead-letters as MAX_DELIVER_EXCEEDED from delivery maxDeliver on (%i)', (delivery) => {
    expect(failureDecision(pg('40P01', 'deadlock detected'), delivery, 5)).toEqual({
      action: 'DEAD_LETTER',
      reason: 'MAX_DELIVER_EXCEEDED',
      detail: 'deadlock detected',
    });
  });

  it('says what a non-Error thrown was past maxDeliver', () => {
    expect(failureDecision('boom', 3, 3)).toEqual({
      action: 'DEAD_LETTER',
      reason: 'MAX_DELIVER_EXCEEDED',
      detail: 'boom',
    });
  });

  it('doubles the delay per delivery up to 30 s, with at most ±20 % jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map(
      (n) => (failureDecision(pg('40P01'), n, 100, middle) as { delayMs: number }).delayMs,
    );
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const low = failureDecision(pg('40P01'), 3, 100, () => 0) as { delayMs: number };
    const high = failureDecision(pg('40P01'), 3, 100, () => 0.999999) as { delayMs: number };
    expect(low.delayMs).toBe(1600);
    expect(high.delayMs).toBe(2400);
  });
});

describe('failureDecision: a database that cannot be reached is no event’s fault', () => {
  it.each([
    ['connection refused', pg('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', pg('ECONNRESET')],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['admin shutdown', pg('57P01')],
    ['crash shutdown', pg('57P02')],
    ['starting up', pg('57P03')],
    ['too many connections', pg('53300')],
    ['class 08', pg('08006')],
    ['wrapped by TypeORM', typeorm('57P01')],
    ['as a cause', Object.assign(new Error('query failed'), { cause: pg('ECONNREFUSED') })],
  ])('%s: nak’ed again on any delivery, flagged databaseUnavailable', (_, err) => {
    for (const delivery of [1, 5, 12, 1000]) {
      const d = failureDecision(err, delivery, 5, middle);
      expect(d).toMatchObject({ action: 'REDELIVER', databaseUnavailable: true });
    }
    expect(failureDecision(err, 12, 5, middle)).toEqual({
      action: 'REDELIVER',
      delayMs: 30000,
      databaseUnavailable: true,
    });
  });
});

describe('undecodableDecision', () => {
  it('dead-letters with the PermanentEventError’s reason', () => {
    expect(undecodableDecision(new PermanentEventError('UNDECODABLE', 'not JSON'))).toEqual({
      action: 'DEAD_LETTER',
      reason: 'UNDECODABLE',
      detail: 'not JSON',
    });
  });

  it('dead-letters anything else a decoder threw as HANDLER_ERROR', () => {
    expect(undecodableDecision(new SyntaxError('Unexpected token'))).toEqual({
      action: 'DEAD_LETTER',
      reason: 'HANDLER_ERROR',
      detail: 'Unexpected token',
    });
  });
});

describe('messageOf', () => {
  it.each([
    [new Error('x'), 'x'],
    [{ message: 'from rpc' }, 'from rpc'],
    [{ message: 42 }, '[object Object]'],
    ['text', 'text'],
    [undefined, 'undefined'],
    [null, 'null'],
  ])('%p → %p', (err, text) => expect(messageOf(err)).toBe(text));
});

describe('failureDecision: a service not ready yet (503) is no event’s fault either', () => {
  it('redelivers a 503 HttpException on any delivery, and dead-letters other statuses at maxDeliver as before', () => {
    const notReady = new HttpException('the hub accepts no change until its start-up check is done', 503);
    expect(failureDecision(notReady, 50, 5)).toMatchObject({ action: 'REDELIVER', databaseUnavailable: true });
    const otherwise = new HttpException('bad gateway', 502);
    expect(failureDecision(otherwise, 5, 5)).toMatchObject({ action: 'DEAD_LETTER', reason: 'MAX_DELIVER_EXCEEDED' });
  });
});
