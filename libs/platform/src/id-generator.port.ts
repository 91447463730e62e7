import { randomUUID } from 'node:crypto';

/** Event ids enter the application here, so the domain never makes one up. */
export interface IdGenerator {
  next(): string;
}
export const ID_GENERATOR = Symbol('ID_GENERATOR');
export const randomIds: IdGenerator = { next: () => randomUUID() };
