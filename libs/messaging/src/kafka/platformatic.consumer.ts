import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type {
  BatchConsumer,
  BatchConsumerSettings,
  ConsumedRecord,
  GroupEvent,
  PartitionBatch,
  RecordHeaders,
  Tail,
  TailSettings,
  TailedRecord,
  TopicPartitionOffset,
} from './kafka.port';
import type { PlatformaticSettings } from './platformatic.settings';

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** What a transaction needs of a batch to commit its offsets (platformatic.producer.ts). */
export interface TransactionalBatch {
  consumer: Consumer;
  current: () => boolean;
  /** The record at `offset`, as the library consumed it (its group generation and member go with the offset commit). */
  messageAt: (offset: bigint) => Message | undefined;
  /** Tells the consumer its records through `offset` are committed: it holds them no longer. */
  committed: (offset: bigint) => void;
}
export const transactionalBatches = new WeakMap<PartitionBatch, TransactionalBatch>();

/** Records held but not yet committed, all partitions together, beyond which the stream stops fetching. */
const maxHeldRecords = 20_000;
/** Reopening a failed stream waits this long, doubling to at most 5 s (as the other adapter's restarts). */
const reopenDelayMs = (attempt: number) => Math.min(300 * 2 ** (attempt - 1), 5_000);

/** One partition as the batch consumer holds it. */
interface PartitionState {
  topic: string;
  partition: number;
  /** Received and not committed, in offset order: what a resume hands out again. */
  held: Message[];
  /** How many of `held` were handed out already. */
  handedOut: number;
  /** The highest offset received: a refetch of what was received already is not held twice. */
  highest: bigint | undefined;
  paused: boolean;
  running: boolean;
}

/**
 * The batch consumer over @platformatic/kafka, whose consumer is one stream
 * of records for all assigned partitions, with no pause per partition and no
 * seek. So this adapter keeps, per partition, the records it received and has
 * not seen committed: a batch hands out the ones not yet handed out; pausing a
 * partition stops handing its records out (they keep arriving and are held);
 * resuming hands out again from the first uncommitted one — from memory, not
 * from the broker. If too many are held (a partition paused for long while its
 * records keep arriving), the whole stream stops fetching until commits free
 * some: the other partitions wait then too (packages' README, known risks).
 *
 * A rebalance (a join) starts a new generation: the batches in hand are no
 * longer current and their commits are refused; what a partition still
 * assigned holds is handed out again from its first uncommitted record, once
 * its old batch returned (one partition is never handled twice at once); a
 * partition no longer assigned is forgotten. Held records are dropped only
 * once committed, never on a join: the stream's refetch from the committed
 * offsets can be overtaken by a fetch issued before the join, so it is not
 * sure to bring them again. What it does bring again is skipped by offset.
 */
export class PlatformaticBatchConsumer implements BatchConsumer {
  private readonly consumer: Consumer;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly listeners: ((event: GroupEvent) => void)[] = [];
  private readonly inHand = new Set<Promise<void>>();
  private stream: Stream | undefined;
  private handle: ((batch: PartitionBatch) => Promise<void>) | undefined;
  private generation = 0;
  /** The partitions assigned in this generation (`topic/partition`); records of any other are stale. */
  private assigned = new Set<string>();
  private held = 0;
  private stopping = false;
  private dispatchQueued = false;

  constructor(
    settings: PlatformaticSettings,
    private readonly options: BatchConsumerSettings,
  ) {
    this.consumer = new Consumer({
      ...settings.base,
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
      autocommit: false,
      minBytes: options.fetchMinBytes,
      maxWaitTime: options.fetchMaxWaitMs,
    });
    this.consumer.on('consumer:group:join', ({ assignments }) => {
      this.assigned = new Set(
        (assignments ?? this.consumer.assignments ?? []).flatMap(({ topic, partitions }) =>
          partitions.map((p) => `${topic}/${p}`),
        ),
      );
      for (const [key, state] of this.partitions) {
        if (this.assigned.has(key)) continue;
        this.drop(state, state.held.length);
        state.highest = undefined;
      }
      this.restartHandingOut();
      this.emit({ kind: 'joined' });
    });
  }

  onGroupEvent(listener: (event: GroupEvent) => void): void {
    this.listeners.push(listener);
  }

  async run(handle: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    this.handle = handle;
    try {
      await this.open();
    } catch (error) {
      await this.consumer.close(true).catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.stream?.close().catch(() => undefined);
    await Promise.allSettled([...this.inHand]);
    await this.consumer.close().catch(() => undefined);
    this.emit({ kind: 'stopped' });
  }

  private emit(event: GroupEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private async open(): Promise<void> {
    const stream = await this.consumer.consume({
      topics: [...this.options.topics],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.stream = stream;
    stream.on('data', (message: Message) => this.receive(message));
    stream.on('error', (error: Error) => void this.reopen(stream, error));
  }

  /**
   * A new generation: the batches in hand are no longer current, and every
   * partition hands out again from its first uncommitted record (a pause in
   * force ends: its resume belongs to the old generation).
   */
  private restartHandingOut(): void {
    this.generation += 1;
    for (const state of this.partitions.values()) {
      state.handedOut = 0;
      state.paused = false;
    }
    this.dispatch();
  }

  /** A stream that failed (the broker away longer than the client's retries) is replaced; what is held stays held. */
  private async reopen(failed: Stream, error: Error): Promise<void> {
    if (this.stopping || this.stream !== failed) return;
    this.stream = undefined;
    this.restartHandingOut();
    this.emit({ kind: 'crashed', error, restarting: true });
    for (let attempt = 1; !this.stopping; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, reopenDelayMs(attempt)));
      if (this.stopping) return;
      try {
        await this.open();
        return;
      } catch (reason) {
        this.emit({ kind: 'crashed', error: reason, restarting: true });
      }
    }
  }

  private receive(message: Message): void {
    const key = `${message.topic}/${message.partition}`;
    // A fetch issued before a rebalance may answer after it, for a partition that is another member's now.
    if (!this.assigned.has(key)) return;
    let state = this.partitions.get(key);
    if (!state) {
      state = {
        topic: message.topic,
        partition: message.partition,
        held: [],
        handedOut: 0,
        highest: undefined,
        paused: false,
        running: false,
      };
      this.partitions.set(key, state);
    }
    if (state.highest !== undefined && message.offset <= state.highest) return;
    state.highest = message.offset;
    state.held.push(message);
    this.held += 1;
    if (this.held >= maxHeldRecords) this.stream?.pause();
    // After the stream's synchronous push of one fetch response: one batch per partition per response.
    if (!this.dispatchQueued) {
      this.dispatchQueued = true;
      setImmediate(() => {
        this.dispatchQueued = false;
        this.dispatch();
      });
    }
  }

  private dispatch(): void {
    if (this.stopping || !this.handle) return;
    let running = [...this.partitions.values()].filter((s) => s.running).length;
    for (const state of this.partitions.values()) {
      if (running >= this.options.partitionsConsumedConcurrently) return;
      if (state.running || state.paused || state.handedOut >= state.held.length) continue;
      running += 1;
      const work = this.runBatch(state, this.handle);
      this.inHand.add(work);
      void work.finally(() => {
        this.inHand.delete(work);
        this.dispatch();
      });
    }
  }

  private async runBatch(state: PartitionState, handle: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    const generation = this.generation;
    const messages = state.held.slice(state.handedOut);
    state.handedOut = state.held.length;
    state.running = true;
    const current = () => !this.stopping && generation === this.generation;
    /** Hands the partition out again from its first uncommitted record; a no-op once the generation moved on. */
    const resume = () => {
      if (generation !== this.generation) return;
      state.paused = false;
      state.handedOut = 0;
      this.dispatch();
    };
    const batch: PartitionBatch = {
      topic: state.topic,
      partition: state.partition,
      records: messages.map(consumedRecordOf),
      current,
      heartbeat: async () => undefined, // the library's consumer heartbeats on its own timer
      commit: (offset) => this.commit(state, generation, BigInt(offset)),
      pause: () => {
        state.paused = true;
        return resume;
      },
    };
    transactionalBatches.set(batch, {
      consumer: this.consumer,
      current,
      messageAt: (offset) => messages.find((m) => m.offset === offset),
      committed: (offset) => {
        if (generation === this.generation) this.drop(state, this.countThrough(state, offset));
      },
    });
    try {
      await handle(batch);
    } catch (error) {
      // As the other adapter does with a batch that throws: start again from the first uncommitted record, after a pause.
      if (current()) {
        this.emit({ kind: 'crashed', error, restarting: true });
        state.paused = true;
        setTimeout(resume, reopenDelayMs(1));
      }
    } finally {
      state.running = false;
    }
  }

  /** How many of the partition's held records are at or before `offset`. */
  private countThrough(state: PartitionState, offset: bigint): number {
    const after = state.held.findIndex((m) => m.offset > offset);
    return after === -1 ? state.held.length : after;
  }

  private async commit(state: PartitionState, generation: number, offset: bigint): Promise<void> {
    if (generation !== this.generation) throw new Error('the group rebalanced since this batch was fetched');
    const committed = this.countThrough(state, offset);
    const leaderEpoch = state.held[committed - 1]?.leaderEpoch ?? -1;
    await this.consumer.commit({
      offsets: [{ topic: state.topic, partition: state.partition, offset: offset + 1n, leaderEpoch }],
    });
    if (generation === this.generation) this.drop(state, committed);
  }

  /** Forgets the first `count` held records of a partition: committed, or of a partition no longer assigned. */
  private drop(state: PartitionState, count: number): void {
    if (count === 0) return;
    state.held.splice(0, count);
    state.handedOut = Math.max(0, state.handedOut - count);
    this.held -= count;
    if (this.held < maxHeldRecords / 2 && this.stream?.isPaused()) this.stream.resume();
  }
}

/** A tail: the library's stream, one record at a time, pinned where asked. */
export class PlatformaticTail implements Tail {
  private readonly consumer: Consumer;
  private readonly listeners: ((event: GroupEvent) => void)[] = [];
  private stream: Stream | undefined;
  private stopping = false;

  constructor(
    settings: PlatformaticSettings,
    private readonly options: TailSettings,
  ) {
    this.consumer = new Consumer({
      ...settings.base,
      groupId: options.groupId,
      autocommit: options.commits === true ? 1_000 : false,
      maxWaitTime: options.fetchMaxWaitMs,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs }),
      ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: options.heartbeatIntervalMs }),
    });
    this.consumer.on('consumer:group:join', () => this.emit({ kind: 'joined' }));
  }

  onGroupEvent(listener: (event: GroupEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: GroupEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async run(handle: (record: TailedRecord) => Promise<void> | void): Promise<void> {
    await this.open(handle, this.options.startAt ?? []);
  }

  private async open(
    handle: (record: TailedRecord) => Promise<void> | void,
    startAt: readonly TopicPartitionOffset[],
  ): Promise<void> {
    const stream = await this.consumer.consume({
      topics: [...this.options.topics],
      // Manual: the partitions named start there, the others at their end (the library's fallback).
      ...(startAt.length > 0
        ? {
            mode: 'manual' as const,
            offsets: startAt.map((p) => ({ topic: p.topic, partition: p.partition, offset: BigInt(p.offset) })),
          }
        : { mode: this.options.commits === true ? ('committed' as const) : ('latest' as const) }),
      fallbackMode: 'latest',
    });
    this.stream = stream;
    const failed = (error: unknown) => void this.reopen(stream, error, handle);
    stream.on('error', failed);
    void (async () => {
      for await (const message of stream as AsyncIterable<Message>)
        await handle({ ...consumedRecordOf(message), topic: message.topic, partition: message.partition });
    })().catch(failed);
  }

  /** As the port promises: a tail whose stream failed starts again by itself (where its group committed, or at the end). */
  private async reopen(
    failed: Stream,
    error: unknown,
    handle: (record: TailedRecord) => Promise<void> | void,
  ): Promise<void> {
    if (this.stopping || this.stream !== failed) return;
    this.stream = undefined;
    this.emit({ kind: 'crashed', error, restarting: true });
    for (let attempt = 1; !this.stopping; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, reopenDelayMs(attempt)));
      if (this.stopping) return;
      try {
        await this.open(handle, []);
        return;
      } catch (reason) {
        this.emit({ kind: 'crashed', error: reason, restarting: true });
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.stream?.close().catch(() => undefined);
    await this.consumer.close().catch(() => undefined);
    this.emit({ kind: 'stopped' });
  }
}

/** A record in the port's terms: offsets and timestamps as text, a repeated header as a list. */
export function consumedRecordOf(message: Message): ConsumedRecord {
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of message.headerEntries) {
    const key = name.toString('utf8');
    const seen = headers[key];
    headers[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return {
    offset: message.offset.toString(),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headers as RecordHeaders,
    timestamp: message.timestamp.toString(),
  };
}
