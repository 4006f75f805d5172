// Accounts: users, sessions, passwords, MFA, personal access tokens, sign-up and verification.

export * from './api-tokens.js';
export {
  CHANGE_EMAIL_MAX_AGE_SECONDS,
  CONFIRM_MAX_AGE_SECONDS,
  RESET_PASSWORD_MAX_AGE_SECONDS,
} from './email-flows.js';
export { BACKUP_CODE_COUNT, TOTP_ISSUER } from './mfa.js';
export {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblems,
  verifyPassword,
} from './passwords.js';
export { registerAccountRoutes } from './routes.js';
export { MFA_COOKIE, MFA_PENDING_SECONDS } from './session-cookie.js';
export { INVALID_CREDENTIALS, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD } from './sign-in.js';
export * from './tokens.js';
export {
  type CreateUserOptions,
  createUser,
  findUserByEmail,
  getUser,
  hasUsers,
  type UserJson,
  type UserRow,
  userJson,
  validateNewUser,
} from './users.js';
