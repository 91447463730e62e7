import { BaseRpcContext } from '@nestjs/microservices';
import type { BatchContext, HandlerContext } from '@orderflow/messaging';
import type { PoolClient } from 'pg';

/** What an `@EventPattern` handler gets with `@Ctx()`: the unit of work's transaction and the event's coordinates. */
export class EventContext extends BaseRpcContext<[HandlerContext]> {
  constructor(context: HandlerContext) {
    super([context]);
  }

  /** The transaction the inbox row is written in: write the handler's effects here too. */
  getTransaction(): PoolClient {
    return this.args[0].tx;
  }

  getTopic(): string {
    return this.args[0].topic;
  }

  getPartition(): number {
    return this.args[0].partition;
  }

  getOffset(): string {
    return this.args[0].offset;
  }
}

/** What an `@EventBatch` handler gets with `@Ctx()`. */
export class EventBatchContext extends BaseRpcContext<[BatchContext]> {
  constructor(context: BatchContext) {
    super([context]);
  }

  getTransaction(): PoolClient {
    return this.args[0].tx;
  }

  /** The trace context of the event's consumer span: what the event causes later continues its trace with. */
  traceparentOf(eventId: string): string | null {
    return this.args[0].traceparentOf(eventId);
  }
}
