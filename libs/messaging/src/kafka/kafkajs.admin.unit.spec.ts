import { AssignerProtocol } from 'kafkajs';
import { subscribedTopicsOf } from './kafkajs.admin';

const member = (topics: string[]) => ({
  memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
});

describe('subscribedTopicsOf (the lag monitor learns a group’s topics from its members)', () => {
  it('gives every topic any member of the group subscribes to, once, sorted', () => {
    expect(subscribedTopicsOf([member(['payments.events', 'orders.events']), member(['orders.events'])])).toEqual([
      'orders.events',
      'payments.events',
    ]);
  });

  it('learns nothing from a group without members', () => {
    expect(subscribedTopicsOf([])).toEqual([]);
  });

  it('learns nothing from metadata that is not a consumer’s, and still reads the other members', () => {
    const notAConsumer = { memberMetadata: Buffer.from([0xff]) };
    expect(subscribedTopicsOf([notAConsumer, member(['email.events'])])).toEqual(['email.events']);
  });
});
