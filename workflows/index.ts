export { manualSync } from './manual-sync';
export { webhookDelivery } from './webhook-delivery';
