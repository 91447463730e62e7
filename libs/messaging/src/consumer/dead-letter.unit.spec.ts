import { Headers } from '@orderflow/events';
import type { ConsumedRecord } from '../kafka/kafka.port';
import { deadLetterMessage } from './dead-letter.publisher';

const message = (headers: ConsumedRecord['headers']): ConsumedRecord => ({
  key: Buffer.from('order-1'),
  value: Buffer.from('{not json'),
  timestamp: '0',
  offset: '42',
  headers: headers ?? {},
});

describe('dead letter', () => {
  const letter = (headers: ConsumedRecord['headers']) =>
    deadLetterMessage({
      message: message(headers),
      sourceTopic: 'orders.events',
      partition: 3,
      consumerGroup: 'payments.order-events',
      code: 'MALFORMED_JSON',
      reason: 'not JSON',
      attempts: 1,
      failedAt: new Date('2026-12-02T10:00:00.000Z'),
    });

  it('keeps the original key, value and headers, and says why and where from', () => {
    const produced = letter({ id: Buffer.from('e-1') });
    expect(produced.key).toEqual(Buffer.from('order-1'));
    expect(produced.value).toEqual(Buffer.from('{not json'));
    expect(produced.headers).toEqual({
      id: Buffer.from('e-1'),
      [Headers.deadLetterReason]: 'MALFORMED_JSON: not JSON',
      [Headers.deadLetterCode]: 'MALFORMED_JSON',
      [Headers.deadLetterAttempts]: '1',
      [Headers.deadLetterFailedAt]: '2026-12-02T10:00:00.000Z',
      [Headers.deadLetterSourceTopic]: 'orders.events',
      [Headers.deadLetterSourcePartition]: '3',
      [Headers.deadLetterSourceOffset]: '42',
      [Headers.deadLetterConsumerGroup]: 'payments.order-events',
    });
  });

  it('drops header values the client cannot produce (Debezium writes null for a null column)', () => {
    const headers: ConsumedRecord['headers'] = { causationId: null, id: Buffer.from('e-1') };
    expect(Object.keys(letter(headers).headers ?? {})).not.toContain('causationId');
  });
});
