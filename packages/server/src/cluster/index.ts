export { type Bus, type BusEvent, createLocalBus } from './bus.js';
export { createBus } from './create-bus.js';
export { createPostgresBus, type PostgresBusOptions } from './pg-bus.js';
