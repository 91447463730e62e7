import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { OrderCommands } from '../application/order.commands';
import { OrderQueries } from '../application/order.queries';
import { PlaceOrderHandler } from '../application/place-order';
import type { Order } from '../domain/order';
import { IdempotencyKeyHeader, ListOrdersQuery, OrderIdParam, PlaceOrderRequest } from './order.requests';
import { ZodValidationPipe } from '@orderflow/platform';

/** The public view of an order (the contract of GET /orders/:id; fields are only ever added). */
export const toOrderResponse = (order: Order) => ({
  id: order.id,
  status: order.status,
  customerId: order.customerId,
  customerEmail: order.customerEmail,
  currency: order.currency,
  items: order.items,
  totalCents: order.totalCents,
  version: order.version,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
  ...(order.cancellation ? { cancellationReason: order.cancellation.reason } : {}),
});

const orderId = new ZodValidationPipe(OrderIdParam, 'id');
// Nest's @Headers() takes no pipe: the header is validated in the handler.
const idempotencyKey = new ZodValidationPipe(IdempotencyKeyHeader, 'Idempotency-Key');
const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

@ApiTags('orders')
@Controller('orders')
export class OrdersHttpController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly commands: OrderCommands,
    private readonly queries: OrderQueries,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Place an order; it waits for its payment (PENDING_PAYMENT)' })
  @ApiBody({ schema: schemaOf(PlaceOrderRequest) })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retried POST with the same key returns the same order',
  })
  @ApiResponse({ status: 201, description: 'the order' })
  @ApiResponse({ status: 400, description: 'invalid request, naming the field' })
  async place(
    @Body(new ZodValidationPipe(PlaceOrderRequest, 'body')) body: PlaceOrderRequest,
    @Headers('idempotency-key') rawKey: string | undefined,
    // Express's or Fastify's response, written through Nest's adapter.
    @Res({ passthrough: true }) response: unknown,
  ) {
    const key = idempotencyKey.transform(rawKey);
    const { order, replayed } = await this.placeOrder.place(body, key);
    if (replayed) this.adapterHost.httpAdapter.setHeader(response, 'Idempotent-Replayed', 'true');
    return toOrderResponse(order);
  }

  @Get()
  @ApiOperation({ summary: 'A page of the read model, oldest first; pass nextCursor back as cursor' })
  @ApiQuery({ name: 'status', required: false, enum: ['PENDING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'CANCELLED'] })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  async list(@Query(new ZodValidationPipe(ListOrdersQuery, 'query')) query: z.infer<typeof ListOrdersQuery>) {
    const page = await this.queries.page(query);
    return { items: page.items.map(toOrderResponse), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order, folded from its events' })
  async get(@Param('id', orderId) id: string) {
    return toOrderResponse(await this.queries.order(id));
  }

  @Get(':id/events')
  @ApiOperation({ summary: "The order's events, in version order" })
  async events(@Param('id', orderId) id: string) {
    return this.queries.events(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel before shipping (a paid order is refunded by payments)' })
  async cancel(@Param('id', orderId) id: string) {
    const order = await this.commands.execute(id, {
      type: 'CancelOrder',
      data: { cause: 'CUSTOMER_REQUEST', reason: 'cancelled by the customer' },
    });
    return toOrderResponse(order);
  }

  @Post(':id/ship')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ship a confirmed order' })
  async ship(@Param('id', orderId) id: string) {
    return toOrderResponse(await this.commands.execute(id, { type: 'ShipOrder', data: {} }));
  }
}
