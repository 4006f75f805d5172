// Instance administration for superusers: the users of the instance (list, disable, promote).
export { registerAdminRoutes } from './routes.js';
export {
  type AdminUserJson,
  LAST_SUPERUSER,
  listUsers,
  type UserChanges,
  updateUser,
} from './users.js';
