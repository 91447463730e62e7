import { positionsIn } from './email.position';

const a = 'order-a';
const b = 'order-b';

describe("an email's position in its order's stream", () => {
  it("gives OrderPlaced's email position 1 (rank 0) and the others the next ones, in the order they were handled", () => {
    const { ranks, orders } = positionsIn([
      { orderId: a, kind: 'ORDER_RECEIVED', customerEmail: 'ada@example.com' },
      { orderId: a, kind: 'ORDER_CONFIRMED' },
      { orderId: a, kind: 'ORDER_SHIPPED' },
    ]);

    expect(ranks).toEqual([0, 1, 2]);
    expect(orders).toEqual([{ orderId: a, address: 'ada@example.com', added: 2 }]);
  });

  it('puts an email that overtook its OrderPlaced after the order-received one: OrderPlaced takes no position of the others', () => {
    const { ranks, orders } = positionsIn([
      { orderId: a, kind: 'REFUND_ISSUED' },
      { orderId: a, kind: 'ORDER_RECEIVED', customerEmail: 'ada@example.com' },
    ]);

    expect(ranks).toEqual([1, 0]);
    expect(orders).toEqual([{ orderId: a, address: 'ada@example.com', added: 1 }]);
  });

  it('counts each order of a batch on its own, in the order first seen', () => {
    const { ranks, orders } = positionsIn([
      { orderId: a, kind: 'ORDER_CONFIRMED' },
      { orderId: b, kind: 'ORDER_CANCELLED' },
      { orderId: a, kind: 'ORDER_SHIPPED' },
      { orderId: b, kind: 'REFUND_ISSUED' },
    ]);

    expect(ranks).toEqual([1, 1, 2, 2]);
    expect(orders).toEqual([
      { orderId: a, address: null, added: 2 },
      { orderId: b, address: null, added: 2 },
    ]);
  });

  it("keeps an order's first address when a batch names two", () => {
    const { orders } = positionsIn([
      { orderId: a, kind: 'ORDER_RECEIVED', customerEmail: 'first@example.com' },
      { orderId: a, kind: 'ORDER_RECEIVED', customerEmail: 'second@example.com' },
    ]);

    expect(orders).toEqual([{ orderId: a, address: 'first@example.com', added: 0 }]);
  });
});
