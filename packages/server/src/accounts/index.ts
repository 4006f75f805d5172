// Accounts: users, sessions, passwords, MFA, personal access tokens, sign-up and verification.
export * from './api-tokens.js';
export * from './tokens.js';
