import { KafkaError } from '../kafka/kafka.error';
import { TransientError, classifyFailure } from './error.classifier';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyFailure', () => {
  it.each([
    ['a Postgres connection failure (class 08)', withCode('08006')],
    ['a serialization failure', withCode('40001')],
    ['a deadlock', withCode('40P01')],
    ['a lock not available', withCode('55P03')],
    ['a statement time-out', withCode('57014')],
    ['Postgres shutting down', withCode('57P01')],
    ['too many connections (class 53)', withCode('53300')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ["node-postgres' cut connection", new Error('Connection terminated unexpectedly')],
    ["node-postgres' pool time-out", new Error('timeout exceeded when trying to connect')],
    ['a Kafka client failure', new KafkaError('leader moved', true)],
    ['our own TransientError', new TransientError('SMTP answered 421')],
    ['a connect that failed on every address', new AggregateError([withCode('ECONNREFUSED')], 'connect')],
  ])('waits out %s', (_what, error) => {
    expect(classifyFailure(error).transient).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a domain rule', withCode('ORDER_NOT_FOUND', 'order 1 does not exist')],
    ['a string thrown', 'nope'],
  ])('dead-letters %s', (_what, error) => {
    expect(classifyFailure(error).transient).toBe(false);
  });

  it("names the failure by the error's own code, else by its class, else HANDLER_FAILED", () => {
    expect(classifyFailure(withCode('ORDER_NOT_FOUND')).code).toBe('ORDER_NOT_FOUND');
    const rejected = Object.assign(new Error('550 no such user'), { name: 'SmtpRejectedError' });
    expect(classifyFailure(rejected).code).toBe('SMTP_REJECTED_ERROR');
    expect(classifyFailure(new Error('bug')).code).toBe('HANDLER_FAILED');
    expect(classifyFailure(new Error('bug')).reason).toBe('Error: bug');
  });
});
