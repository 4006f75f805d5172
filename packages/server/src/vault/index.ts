export { DecryptionError, PRIMARY_TAG } from './cipher.js';
export { type EncryptedColumn, encryptedColumns } from './columns.js';
export { type RotationReport, rotateEncryptionKey } from './rotate.js';
export { createVault, type Keyring, type Vault } from './vault.js';
