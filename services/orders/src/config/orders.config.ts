import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';

/** The orders service's configuration, validated at start. */
export const OrdersEnv = ServiceEnv.extend({ SERVICE_NAME: ServiceEnv.shape.SERVICE_NAME.default('orders') });
export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;
export const loadOrdersConfig = (env: NodeJS.ProcessEnv = process.env) => loadServiceConfig(OrdersEnv, env);
