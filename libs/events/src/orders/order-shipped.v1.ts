import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';

export const OrderShippedV1 = envelopeOf('OrderShipped', 1, 'orders', z.object({}));
export type OrderShippedV1 = z.infer<typeof OrderShippedV1>;
