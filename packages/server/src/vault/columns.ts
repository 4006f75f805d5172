// Every bytea column that holds vault ciphertext. Rotation walks this list; a new encrypted column
// must be added here (the vault test scans these tables for plaintext).

export interface EncryptedColumn {
  table: string;
  column: string;
}

export const encryptedColumns: readonly EncryptedColumn[] = [
  { table: 'credentials', column: 'body' },
  { table: 'users', column: 'github_oauth_token' },
  { table: 'user_totps', column: 'secret' },
  { table: 'user_backup_codes', column: 'code' },
  { table: 'webhook_auth_methods', column: 'username' },
  { table: 'webhook_auth_methods', column: 'password' },
  { table: 'webhook_auth_methods', column: 'api_key' },
  { table: 'oauth_clients', column: 'client_secret' },
  { table: 'oauth_authorizations', column: 'code_verifier' },
  { table: 'triggers', column: 'kafka_username' },
  { table: 'triggers', column: 'kafka_password' },
];
