// Projects: projects, their members and roles, and the authorization policy every route uses.
export * from './policy.js';
