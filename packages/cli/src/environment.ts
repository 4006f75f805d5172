// Builds the configuration for a command. Development instances get keys generated once into the
// data directory, so `lightning start` needs no preparation; production never does (load.ts
// refuses to start without real keys).
import type { config as serverConfig } from '@lightning/server';

type Purpose = serverConfig.Purpose;

export interface CommandConfig {
  config: serverConfig.Config;
  warnings: string[];
}

export async function loadCommandConfig(
  purpose: Purpose,
  env: serverConfig.Environment = process.env,
): Promise<CommandConfig> {
  // Loaded here, not at the top: `lightning --help` must not pay for the server's modules.
  const { config: serverConfig } = await import('@lightning/server');
  // A first pass tells whether this is production and where the data directory is. If it fails,
  // the full pass below reports every problem at once.
  let probe: serverConfig.LoadedConfig;
  try {
    probe = serverConfig.loadConfig(env, { purpose: 'tool' });
  } catch (error) {
    if (!(error instanceof serverConfig.ConfigError)) throw error;
    return serverConfig.loadConfig(env, { purpose });
  }
  const warnings = [...probe.warnings];
  let effective: serverConfig.Environment = env;
  // A worker uses the development keys only with the instance on this machine whose data
  // directory holds them; a remote server has keys of its own, which these would never match.
  const isRemoteWorker = purpose === 'worker' && !isLocalUrl(probe.config.workers.serviceUrl);
  if (!probe.config.production && purpose !== 'tool' && !isRemoteWorker) {
    const { keys, path, created } = serverConfig.ensureDevKeys(probe.config.dataDir);
    const filled = Object.entries(keys).filter(([name]) => !env[name]);
    if (filled.length > 0) {
      effective = { ...Object.fromEntries(filled), ...stripEmpty(env) };
      warnings.push(
        `${created ? 'Generated' : 'Using'} development keys in ${path} for ${filled
          .map(([name]) => name)
          .join(
            ', ',
          )}. Never use them in production: set your own (see \`lightning gen-encryption-key\`, \`lightning gen-worker-keys\`).`,
      );
    }
  }
  const loaded = serverConfig.loadConfig(effective, { purpose });
  return { config: loaded.config, warnings: [...new Set([...warnings, ...loaded.warnings])] };
}

const stripEmpty = (env: serverConfig.Environment) =>
  Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );

/** Whether `url` points at this machine (localhost or a loopback address). */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
