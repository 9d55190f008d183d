export * from './env';
export * from './schema';
export * from './server';
export * from './store';
export { quantityFor } from './modules/order/order-rules';
