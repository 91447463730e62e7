import { Headers } from '@orderflow/events';
import { type RedriveRecord, redriveLookup } from './dead-letter-redrive.store';
import { type DeadLetterRecord, describeDeadLetter, instantOf } from './dead-letter.record';
import { RedriveError, redriveMessage } from './dead-letter.redriver';

const b = (text: string) => Buffer.from(text);

const aDeadLetter = (overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  topic: 'orders.dlq',
  partition: 0,
  offset: '7',
  key: b('order-1'),
  value: b(JSON.stringify({ eventId: 'e-from-value', type: 'TypeFromValue' })),
  timestamp: '2026-11-24T08:00:01.000Z',
  headers: {
    [Headers.eventId]: b('e-1'),
    [Headers.eventType]: b('PaymentAuthorized'),
    trace: [b('a'), b('b')],
    [Headers.deadLetterReason]: b('ORDER_NOT_FOUND: OrderError: order order-1 does not exist'),
    [Headers.deadLetterCode]: b('ORDER_NOT_FOUND'),
    [Headers.deadLetterAttempts]: b('1'),
    [Headers.deadLetterFailedAt]: b('2026-11-24T08:00:00.500Z'),
    [Headers.deadLetterSourceTopic]: b('payments.events'),
    [Headers.deadLetterSourcePartition]: b('3'),
    [Headers.deadLetterSourceOffset]: b('42'),
    [Headers.deadLetterConsumerGroup]: b('orders.payment-events'),
  },
  ...overrides,
});

const without = (headers: DeadLetterRecord['headers'], ...names: string[]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));

describe('a dead letter, described', () => {
  it('says what failed, why, where it came from and when', () => {
    expect(describeDeadLetter(aDeadLetter())).toEqual({
      deadLetter: { topic: 'orders.dlq', partition: 0, offset: '7' },
      eventId: 'e-1',
      eventType: 'PaymentAuthorized',
      key: 'order-1',
      source: { topic: 'payments.events', partition: 3, offset: '42' },
      consumerGroup: 'orders.payment-events',
      code: 'ORDER_NOT_FOUND',
      reason: 'OrderError: order order-1 does not exist',
      attempts: 1,
      failedAt: '2026-11-24T08:00:00.500Z',
      redrivenFrom: null,
    });
  });

  it('reads an old dead letter: the code from the reason, the time from the record, no attempts', () => {
    const old = aDeadLetter();
    old.headers = without(old.headers, Headers.deadLetterCode, Headers.deadLetterAttempts, Headers.deadLetterFailedAt);

    expect(describeDeadLetter(old)).toMatchObject({
      code: 'ORDER_NOT_FOUND',
      reason: 'OrderError: order order-1 does not exist',
      attempts: null,
      failedAt: '2026-11-24T08:00:01.000Z',
    });
  });

  it('takes the id and type from the value when the headers lack them, and nothing from a value that is not JSON', () => {
    const letter = aDeadLetter();
    letter.headers = without(letter.headers, Headers.eventId, Headers.eventType);

    expect(describeDeadLetter(letter)).toMatchObject({ eventId: 'e-from-value', eventType: 'TypeFromValue' });
    expect(describeDeadLetter({ ...letter, value: b('{not json') })).toMatchObject({ eventId: null, eventType: null });
  });

  it('names the dead letter a bounced redrive came from', () => {
    const letter = aDeadLetter();
    letter.headers[Headers.deadLetterRedrivenFrom] = b('orders.dlq/0/3');

    expect(describeDeadLetter(letter).redrivenFrom).toBe('orders.dlq/0/3');
  });
});

describe('a redriven message', () => {
  it('is the original key, value and headers, sent back to the source topic, saying which dead letter it was', () => {
    const letter = aDeadLetter();

    expect(redriveMessage(letter)).toEqual({
      topic: 'payments.events',
      partition: undefined,
      key: letter.key,
      value: letter.value,
      headers: {
        [Headers.eventId]: b('e-1'),
        [Headers.eventType]: b('PaymentAuthorized'),
        trace: [b('a'), b('b')],
        [Headers.deadLetterRedrivenFrom]: b('orders.dlq/0/7'),
      },
    });
  });

  it('replaces the dead letter it bounced from with this one', () => {
    const bounced = aDeadLetter({ offset: '9' });
    bounced.headers[Headers.deadLetterRedrivenFrom] = b('orders.dlq/0/7');

    expect(redriveMessage(bounced).headers[Headers.deadLetterRedrivenFrom]).toEqual(b('orders.dlq/0/9'));
  });

  it('goes back to its own partition when it has no key to pick one', () => {
    expect(redriveMessage(aDeadLetter({ key: null })).partition).toBe(3);
  });

  it('is refused for a dead letter that does not say where it came from', () => {
    const letter = aDeadLetter();
    letter.headers = without(letter.headers, Headers.deadLetterSourceTopic);

    expect(() => redriveMessage(letter)).toThrow(RedriveError);
  });
});

describe("a dead letter's redrive, looked up", () => {
  const aRedrive = (deadLetter: RedriveRecord['deadLetter']): RedriveRecord => ({
    deadLetter,
    eventId: 'e-1',
    eventType: 'PaymentAuthorized',
    to: { topic: 'payments.events', partition: 3, offset: '43' },
    redrivenAt: '2026-11-24T09:00:00.000Z',
  });
  const letter = aDeadLetter();
  const redrive = aRedrive({ topic: 'orders.dlq', partition: 0, offset: '7', timestamp: letter.timestamp });

  it('is the redrive of the same position and record time, however the time is spelt', () => {
    const spelledOtherwise = aRedrive({ ...redrive.deadLetter, timestamp: '2026-11-24T09:00:01+01:00' });

    expect(redriveLookup([redrive])(letter)).toBe(redrive);
    expect(redriveLookup([spelledOtherwise])(letter)).toBe(spelledOtherwise);
  });

  it('is not the redrive of an earlier letter at the same position (a cluster since started empty)', () => {
    const ofTheOldCluster = aRedrive({ ...redrive.deadLetter, timestamp: '2026-11-20T10:00:00.000Z' });

    expect(redriveLookup([ofTheOldCluster])(letter)).toBeUndefined();
    expect(redriveLookup([ofTheOldCluster, redrive])(letter)).toBe(redrive);
  });

  it('is none for a redrive recorded before record times were kept', () => {
    expect(redriveLookup([aRedrive({ ...redrive.deadLetter, timestamp: null })])(letter)).toBeUndefined();
  });

  it('tells letters a millisecond apart', () => {
    expect(redriveLookup([redrive])(aDeadLetter({ timestamp: '2026-11-24T08:00:01.001Z' }))).toBeUndefined();
  });
});

describe('a record time, as stored', () => {
  it('is the same instant in UTC, to the millisecond', () => {
    expect(instantOf('2026-11-24T09:00:01.001+01:00')).toBe('2026-11-24T08:00:01.001Z');
    expect(instantOf(new Date(1_795_507_201_001).toISOString())).toBe('2026-11-24T08:00:01.001Z');
  });

  it("is refused when it names no instant, so the old rows' -infinity cannot be claimed", () => {
    expect(() => instantOf('-infinity')).toThrow(/not an ISO-8601 time/);
    expect(() => instantOf('')).toThrow(/not an ISO-8601 time/);
  });
});
