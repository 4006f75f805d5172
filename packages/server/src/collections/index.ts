// Collections: named key-value stores of a project, used by jobs between runs through
// `@openfn/language-collections` (the `/collections` API) and managed in the web app and by
// provisioning.
export { type Caller, resolveCaller } from './caller.js';
export {
  type CollectionLimits,
  deleteMatching,
  getItem,
  type ItemInput,
  type ItemJson,
  putItems,
} from './items.js';
export {
  applyCollectionChanges,
  type CollectionChanges,
  checkProvisionedCollections,
  provisionedCollections,
} from './provisioning.js';
export { registerCollectionRoutes } from './routes.js';
export {
  type Collection,
  type CollectionJson,
  collectionJson,
  collectionNameProblem,
  createCollection,
  deleteCollection,
  findCollection,
  findCollectionByName,
  listProjectCollections,
  renameCollection,
} from './store.js';
