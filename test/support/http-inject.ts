import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ServiceEnv } from '@orderflow/platform';
import { inject } from 'light-my-request';

export type HttpAdapterName = ServiceEnv['HTTP_ADAPTER'];

/** What is sent: fits light-my-request's options and those of Nest's Fastify, whose copy may be another version. */
export interface InjectOptions {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

/** Sends `request` to an initialised app in-process, without a socket, whichever HTTP adapter it runs on. */
export function injectRequest(app: INestApplication, adapter: HttpAdapterName, request: InjectOptions) {
  return adapter === 'fastify'
    ? (app as NestFastifyApplication).inject(request)
    : inject(app.getHttpAdapter().getInstance(), request);
}
