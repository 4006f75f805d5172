export { type AppDependencies, buildApp } from './app.js';
export * from './errors.js';
