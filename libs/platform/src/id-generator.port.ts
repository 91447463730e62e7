import { v7 } from 'uuid';

/** Event ids enter the application here, so the domain never makes one up. */
export interface IdGenerator {
  next(): string;
}
export const ID_GENERATOR = Symbol('ID_GENERATOR');

/**
 * UUIDv7: time-ordered, so the B-tree indexes they key (order ids, event ids,
 * the inbox and the outbox) grow at their right edge instead of dirtying a
 * random leaf page per insert. Still UUIDs to every contract.
 */
export const randomIds: IdGenerator = { next: () => v7() };
