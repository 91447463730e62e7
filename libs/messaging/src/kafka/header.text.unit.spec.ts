import { headerText } from './header.text';

describe('headerText', () => {
  it('reads a header as text, the first of several', () => {
    expect(headerText(Buffer.from('00-abc'))).toBe('00-abc');
    expect(headerText([Buffer.from('first'), Buffer.from('second')])).toBe('first');
  });

  // Debezium places a NULL column as a header with a null value: the deadline sweep's events carry no traceparent.
  it('reads a null header, as an absent one, as no text', () => {
    expect(headerText(null)).toBeUndefined();
    expect(headerText([null as unknown as Buffer])).toBeUndefined();
    expect(headerText(undefined)).toBeUndefined();
  });
});
