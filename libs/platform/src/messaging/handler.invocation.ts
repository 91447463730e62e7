import type { BaseRpcContext, MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

/**
 * Calls a handler as Nest wrapped it (pipes, interceptors, filters) and
 * settles when it did: Nest hands back a promise of the method's result, or of
 * an Observable when an interceptor or a filter answered. Its error, rejected
 * or emitted, is the caller's, as thrown (see PassErrorsThrough).
 */
export async function invokeHandler(handler: MessageHandler, data: unknown, context?: BaseRpcContext): Promise<void> {
  const result: unknown = await handler(data, context);
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
}
