// `lightning --help` lists every command. The command loads its heavy modules (server, worker,
// runtime) only when a command runs, so help answers fast; bench/cli-help.js measures how fast.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from './commands.js';
import { processEnv } from './test-support/env.js';
import { runCli } from './test-support/run-cli.js';

describe('lightning --help', () => {
  it('lists every command and exits 0', async () => {
    const program = new Command('lightning');
    registerCommands(program);
    const names = program.commands.map((command) => command.name());
    expect(names).toEqual(
      expect.arrayContaining(['start', 'server', 'worker', 'execute', 'create-user']),
    );

    const { code, stdout, stderr } = await runCli(['--help'], processEnv());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const name of names) expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it("answers a command's --help without running it", async () => {
    const { code, stdout } = await runCli(['execute', '--help'], processEnv());
    expect(code).toBe(0);
    expect(stdout).toContain('--adaptor <spec>');
    expect(stdout).toMatch(/--timeout <seconds>.*\(default: "300"\)/s);
  });
});
