import { EmailKind } from '@orderflow/events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TemplateRenderer, templateNameOf, templatesDir } from './template.renderer';

const renderer = TemplateRenderer.load();
const common = { orderId: '3f2b8c1d-0a4e-4c6b-9d7e-5a1b2c3d4e5f', orderRef: '3F2B8C1D' };
const models = {
  ORDER_RECEIVED: {
    ...common,
    items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: '€12.50', lineTotal: '€25.00' }],
    total: '€25.00',
  },
  ORDER_CONFIRMED: common,
  ORDER_CANCELLED: { ...common, reason: 'changed my mind', byCustomer: true, refundFollows: true },
  ORDER_SHIPPED: common,
  REFUND_ISSUED: { ...common, amount: '€25.00', reason: 'order cancelled: changed my mind' },
};

describe('email templates', () => {
  it("are found in the package's templates folder, wherever the process runs", () => {
    expect(templatesDir).toBe(path.resolve(__dirname, '..', '..', 'templates'));
    for (const kind of EmailKind.options) {
      expect(existsSync(path.join(templatesDir, `${templateNameOf(kind)}.html.hbs`))).toBe(true);
    }
  });

  it.each(EmailKind.options)('%s has a one-line subject, a text part and an HTML part naming the order', (kind) => {
    const email = renderer.render(kind, models[kind]);

    expect(email.subject).toContain('3F2B8C1D');
    expect(email.subject).not.toMatch(/\n/);
    expect(email.text).toContain('3F2B8C1D');
    expect(email.html).toMatch(/^<!doctype html>/);
    expect(email.html).toContain('<strong>3F2B8C1D</strong>');
  });

  it('puts the order lines and the total into the order-received email', () => {
    const email = renderer.render('ORDER_RECEIVED', models.ORDER_RECEIVED);

    expect(email.text).toContain('- 2 × BOOK-1 at €12.50: €25.00');
    expect(email.text).toContain('Total: €25.00');
    expect(email.html).toContain('<td>2 × BOOK-1</td>');
  });

  it('gives the reason of a cancellation, and says a refund follows only when one does', () => {
    const paid = renderer.render('ORDER_CANCELLED', models.ORDER_CANCELLED);
    const unpaid = renderer.render('ORDER_CANCELLED', {
      ...models.ORDER_CANCELLED,
      byCustomer: false,
      refundFollows: false,
      reason: 'payment declined',
    });

    expect(paid.text).toContain('As you asked, order 3F2B8C1D was cancelled.');
    expect(paid.text).toContain('Reason: changed my mind');
    expect(paid.text).toContain('will be refunded');
    expect(unpaid.text).toContain('We had to cancel order 3F2B8C1D.');
    expect(unpaid.html).toContain('<p>Reason: payment declined</p>');
    expect(unpaid.text).not.toContain('refunded');
  });

  it('escapes what it inserts into the HTML part, and only there', () => {
    const reason = '<script>alert("x")</script> & more';

    const email = renderer.render('ORDER_CANCELLED', { ...models.ORDER_CANCELLED, reason });

    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(email.text).toContain(`Reason: ${reason}`);
  });

  it('refuses a model that lacks a field a template names', () => {
    expect(() => renderer.render('REFUND_ISSUED', common)).toThrow(/"amount" not defined/);
  });
});
