export { manualSync } from './manual-sync';
