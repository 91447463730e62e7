import { Headers } from '@orderflow/events';
import { anOrderPlaced } from '../../../../test/support/event.factory';
import type { ConsumedRecord } from '../kafka/kafka.port';
import { decodeMessage } from './message.decoder';

const messageOf = (value: Buffer | null, headers: ConsumedRecord['headers'] = {}): ConsumedRecord => ({
  key: Buffer.from('order-1'),
  value,
  timestamp: '0',
  offset: '7',
  headers,
});
const event = anOrderPlaced();
const withId = (id = event.eventId) => ({ [Headers.eventId]: Buffer.from(id) });
const codeOf = (decoded: ReturnType<typeof decodeMessage>) => (decoded.ok ? 'OK' : decoded.code);

describe('decodeMessage', () => {
  it('gives the event of a valid envelope whose id header names it', () => {
    const decoded = decodeMessage(messageOf(Buffer.from(JSON.stringify(event)), withId()));
    expect(decoded).toMatchObject({ ok: true, event: { eventId: event.eventId, type: 'OrderPlaced' } });
  });

  it.each([
    ['no value', messageOf(null), 'EMPTY_VALUE'],
    ['a value over 1 MiB', messageOf(Buffer.alloc(1024 * 1024 + 1, 0x20), withId()), 'VALUE_TOO_LARGE'],
    [
      'bytes that are not UTF-8',
      messageOf(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), withId()),
      'MALFORMED_UTF8',
    ],
    ['text that is not JSON', messageOf(Buffer.from('{not json'), withId()), 'MALFORMED_JSON'],
    ['JSON that is no envelope', messageOf(Buffer.from('{"hello":1}'), withId()), 'NOT_AN_ENVELOPE'],
    ['an envelope without its id header', messageOf(Buffer.from(JSON.stringify(event))), 'MISSING_EVENT_ID_HEADER'],
    [
      'an id header naming another event',
      messageOf(Buffer.from(JSON.stringify(event)), withId('0190a8a0-0000-7000-8000-000000000000')),
      'EVENT_ID_MISMATCH',
    ],
  ])('refuses %s', (_what, message, code) => {
    expect(codeOf(decodeMessage(message))).toBe(code);
  });

  it('refuses invalid UTF-8 even inside a string that would otherwise parse', () => {
    const json = Buffer.from(JSON.stringify(event));
    const at = json.indexOf(Buffer.from((event.payload as { customerEmail: string }).customerEmail));
    json[at] = 0xff;
    expect(codeOf(decodeMessage(messageOf(json, withId())))).toBe('MALFORMED_UTF8');
  });
});
