export { manualSync } from './manual-sync';
export { webhookDelivery } from './webhook-delivery';
export { xeroKeepAlive } from './xero-keep-alive';
export { undoRequest } from './undo-request';
