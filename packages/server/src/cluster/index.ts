export { type Bus, type BusEvent, createLocalBus } from './bus.js';
