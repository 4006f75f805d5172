// The environment a spawned `lightning` process gets in tests: nothing of the developer's own
// configuration, but what reaching the npm registry needs on this machine (the PATH, the home
// folder with its .npmrc, extra CA certificates and proxies).
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function processEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}
