// Projects: projects, their members and roles, and the authorization policy every route uses.
export {
  addMemberByEmail,
  changeMemberRole,
  listMembers,
  type MemberJson,
  removeMember,
  updateOwnAlerts,
} from './members.js';
export * from './policy.js';
export {
  checkProjectSettings,
  createProject,
  deleteProject,
  getProject,
  listProjects,
  type ProjectJson,
  type ProjectSettingsInput,
  projectJson,
  updateProject,
} from './projects.js';
export { registerProjectRoutes } from './routes.js';
