// The resettable demo: `lightning reset-demo` wipes a demo instance and seeds sample content.
export { DEMO_PROJECT_NAME, DEMO_USERS, type DemoUser } from './content.js';
export { DemoResetRefusedError, type DemoResetReport, resetDemo } from './reset.js';
