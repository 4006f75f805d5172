// The facts printed with every benchmark figure: a number means little without the machine.
import { cpus, freemem, totalmem } from 'node:os';

export function hardware() {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free)`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function printHardware() {
  for (const [key, value] of Object.entries(hardware())) console.log(`${key.padEnd(9)} ${value}`);
}
