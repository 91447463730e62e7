import { Controller, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { CodedError, type DomainEvent, type EventOf, type EventType } from '@orderflow/events';
import { type BatchContext, type HandlerContext, TransientError } from '@orderflow/messaging';
import type { PoolClient } from 'pg';
import { anOrderPlaced } from '../../../test/support/event.factory';
import {
  AfterCommit,
  ConsumerGroup,
  EventBatch,
  EventBatchContext,
  EventContext,
  KafkaEventsTransport,
  type ServiceEnv,
} from '../src';

/**
 * What the transport makes of a service's consumer controllers, through Nest's
 * own discovery (a real app, no broker, no database): one group per
 * `@ConsumerGroup` class, its handlers called with the event and our context,
 * and their errors handed back as thrown.
 */
type TestConfig = ServiceEnv & { SOURCE_TOPIC: string };
const config = { SOURCE_TOPIC: 'orders.events.test' } as TestConfig;

/** What the handlers saw, for the assertions. */
const seen: { method: string; data: unknown; context?: unknown }[] = [];
let failWith: unknown;

@Controller()
@ConsumerGroup((c: TestConfig) => ({ groupId: 'test.payments', topics: [c.SOURCE_TOPIC], deadLetterTopic: 'dlq' }))
class PaymentsLikeConsumer {
  @EventPattern<EventType>('OrderPlaced')
  async onOrderPlaced(@Payload() event: EventOf<'OrderPlaced'>, @Ctx() ctx: EventContext): Promise<void> {
    if (failWith) throw failWith;
    seen.push({ method: 'onOrderPlaced', data: event, context: ctx });
  }

  @EventPattern<EventType>('OrderCancelled')
  onOrderCancelled(@Payload() event: EventOf<'OrderCancelled'>): void {
    seen.push({ method: 'onOrderCancelled', data: event });
  }
}

@Controller()
@ConsumerGroup(() => ({ groupId: 'test.projection', topics: ['orders.events'], deadLetterTopic: 'dlq' }))
class ProjectionLikeConsumer {
  @EventBatch(['OrderPlaced', 'OrderShipped'])
  async project(@Payload() events: DomainEvent[], @Ctx() ctx: EventBatchContext): Promise<void> {
    if (failWith) throw failWith;
    seen.push({ method: 'project', data: events, context: ctx });
  }

  @AfterCommit()
  published(@Payload() events: readonly DomainEvent[]): void {
    seen.push({ method: 'published', data: events });
  }
}

const apps: INestApplication[] = [];
afterEach(async () => {
  seen.length = 0;
  failWith = undefined;
  for (const app of apps.splice(0)) await app.close();
});

/** The transport of an app with these controllers, its handlers registered as Nest registers them. */
async function transportOf(...controllers: Type[]): Promise<KafkaEventsTransport> {
  @Module({ controllers })
  class ConsumersModule {}
  const app = await NestFactory.create(ConsumersModule, { logger: false });
  apps.push(app);
  const transport = new KafkaEventsTransport(app);
  app.connectMicroservice({ strategy: transport });
  return transport;
}

const handlerContext = {
  tx: {} as PoolClient,
  topic: 'orders.events',
  partition: 2,
  offset: '41',
} satisfies HandlerContext;
const batchContext = {
  tx: {} as PoolClient,
  traceparentOf: (eventId: string) => `00-${eventId}`,
} satisfies BatchContext;

describe('consumer controllers as consumer groups', () => {
  it('makes each @ConsumerGroup controller one group, its settings read from the service config', async () => {
    const transport = await transportOf(PaymentsLikeConsumer, ProjectionLikeConsumer);

    const groups = transport.consumerGroups();

    expect(groups.map((g) => g.declaration.controller)).toEqual(['PaymentsLikeConsumer', 'ProjectionLikeConsumer']);
    const [payments, projection] = groups;
    expect(payments!.declaration.settings(config)).toEqual({
      groupId: 'test.payments',
      topics: ['orders.events.test'],
      deadLetterTopic: 'dlq',
    });
    expect(Object.keys(payments!.handlers ?? {})).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(payments).not.toHaveProperty('batchHandler');
    expect(projection!.batchHandler?.types).toEqual(['OrderPlaced', 'OrderShipped']);
    expect(projection).not.toHaveProperty('handlers');
    expect(projection!.afterTransaction).toEqual(expect.any(Function));
  });

  it('calls the method with the event and a context giving the transaction and the coordinates', async () => {
    const [payments] = (await transportOf(PaymentsLikeConsumer)).consumerGroups();
    const event = anOrderPlaced() as EventOf<'OrderPlaced'>;

    await payments!.handlers!.OrderPlaced!(event, handlerContext);

    expect(seen).toHaveLength(1);
    const { method, data, context } = seen[0]!;
    expect(method).toBe('onOrderPlaced');
    expect(data).toBe(event);
    expect(context).toBeInstanceOf(EventContext);
    const ctx = context as EventContext;
    expect(ctx.getTransaction()).toBe(handlerContext.tx);
    expect([ctx.getTopic(), ctx.getPartition(), ctx.getOffset()]).toEqual(['orders.events', 2, '41']);
  });

  it('gives a batch handler the events and the transaction, and the after-commit handler the unit’s events', async () => {
    const [projection] = (await transportOf(ProjectionLikeConsumer)).consumerGroups();
    const events = [anOrderPlaced(), anOrderPlaced()] as DomainEvent[];

    await projection!.batchHandler!.handle(events, batchContext);
    await projection!.afterTransaction!(events);

    expect(seen.map((s) => s.method)).toEqual(['project', 'published']);
    const ctx = seen[0]!.context as EventBatchContext;
    expect(ctx).toBeInstanceOf(EventBatchContext);
    expect(ctx.getTransaction()).toBe(batchContext.tx);
    expect(ctx.traceparentOf('e-1')).toBe('00-e-1');
    expect(seen[1]!.data).toBe(events);
  });

  it('hands a handler’s error back as thrown, not as Nest’s "Internal server error"', async () => {
    const [payments] = (await transportOf(PaymentsLikeConsumer, ProjectionLikeConsumer)).consumerGroups();
    const transient = new TransientError('gateway answered 503');
    const coded = new CodedError('CUSTOMER_BLOCKED', 'customer c-1 is blocked');

    failWith = transient;
    await expect(
      payments!.handlers!.OrderPlaced!(anOrderPlaced() as EventOf<'OrderPlaced'>, handlerContext),
    ).rejects.toBe(transient);
    failWith = coded;
    await expect(
      payments!.handlers!.OrderPlaced!(anOrderPlaced() as EventOf<'OrderPlaced'>, handlerContext),
    ).rejects.toBe(coded);
  });

  it('hands a batch handler’s error back as thrown', async () => {
    const [projection] = (await transportOf(ProjectionLikeConsumer)).consumerGroups();
    failWith = new TransientError('lock not available');

    await expect(projection!.batchHandler!.handle([], batchContext)).rejects.toBe(failWith);
  });

  it('keeps two groups’ handlers of one event type apart: each runs alone', async () => {
    @Controller()
    @ConsumerGroup(() => ({ groupId: 'test.other', topics: ['orders.events'], deadLetterTopic: 'dlq' }))
    class OtherConsumer {
      @EventPattern<EventType>('OrderPlaced')
      onOrderPlaced(): void {
        seen.push({ method: 'other', data: undefined });
      }
    }
    const [payments, other] = (await transportOf(PaymentsLikeConsumer, OtherConsumer)).consumerGroups();

    await other!.handlers!.OrderPlaced!(anOrderPlaced() as EventOf<'OrderPlaced'>, handlerContext);
    await payments!.handlers!.OrderPlaced!(anOrderPlaced() as EventOf<'OrderPlaced'>, handlerContext);

    expect(seen.map((s) => s.method)).toEqual(['other', 'onOrderPlaced']);
  });

  describe('refuses, at start, a declaration the runtime could not run', () => {
    const groupOf = () => ConsumerGroup(() => ({ groupId: 'test.bad', topics: ['t'], deadLetterTopic: 'dlq' }));

    it('an event type no contract knows', async () => {
      @Controller()
      @groupOf()
      class TypoConsumer {
        @EventPattern<string>('OrderPlacd') // not an EventType: what the start must refuse
        onOrderPlaced(): void {}
      }
      const transport = await transportOf(TypoConsumer);
      expect(() => transport.consumerGroups()).toThrow("TypoConsumer: no event contract is named 'OrderPlacd'");
    });

    it('an event handler outside a @ConsumerGroup controller', async () => {
      @Controller()
      class LooseConsumer {
        @EventPattern<EventType>('OrderPlaced')
        onOrderPlaced(): void {}
      }
      const transport = await transportOf(LooseConsumer);
      expect(() => transport.consumerGroups()).toThrow(
        "the handler of 'OrderPlaced' is not in a @ConsumerGroup controller",
      );
    });

    it('a request-reply @MessagePattern', async () => {
      @Controller()
      @groupOf()
      class AnsweringConsumer {
        @MessagePattern('OrderPlaced')
        onOrderPlaced(): string {
          return 'ok';
        }
      }
      const transport = await transportOf(AnsweringConsumer);
      expect(() => transport.consumerGroups()).toThrow('AnsweringConsumer: ');
    });

    it('per-event handlers and a batch handler in one group', async () => {
      @Controller()
      @groupOf()
      class MixedConsumer {
        @EventPattern<EventType>('OrderPlaced')
        onOrderPlaced(): void {}

        @EventBatch(['OrderShipped'])
        project(): void {}
      }
      const transport = await transportOf(MixedConsumer);
      expect(() => transport.consumerGroups()).toThrow(
        'MixedConsumer: either @EventPattern handlers or one @EventBatch',
      );
    });

    it('only an after-commit handler', async () => {
      @Controller()
      @groupOf()
      class IdleConsumer {
        @AfterCommit()
        committed(): void {}
      }
      const transport = await transportOf(IdleConsumer);
      expect(() => transport.consumerGroups()).toThrow('IdleConsumer: no @EventPattern or @EventBatch handler');
    });
  });
});
