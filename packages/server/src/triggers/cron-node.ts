// One scheduler node as its own process, for the two-node test (cron-nodes.test.ts): it ticks on
// a sped-up clock shared by every node started with the same arguments, then prints what it fired.
//
//   node --import tsx cron-node.ts '{"databaseUrl": "…", "startAt": <ms>, "untilMs": <ms>,
//                                    "epoch": <ms>, "speed": 60, "tickEveryMs": 50}'
//
// Simulated time = epoch + (real now − startAt) × speed: at speed 60 one real second is a minute.
import { createLocalBus } from '../cluster/index.js';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createWorkOrder } from '../runs/index.js';
import { createCronScheduler } from './cron.js';

interface Arguments {
  databaseUrl: string;
  startAt: number;
  untilMs: number;
  epoch: number;
  speed: number;
  tickEveryMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Arguments;
const base = loadConfig({}).config;
const database = await openDatabase({
  ...base,
  database: { ...base.database, url: args.databaseUrl, poolSize: 4 },
});
const simulatedNow = () => new Date(args.epoch + (Date.now() - args.startAt) * args.speed);
const scheduler = createCronScheduler({
  database,
  bus: createLocalBus(),
  logger: createLogger('silent'),
  createWorkOrder,
});
const fired: string[] = [];
let ticks = 0;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())));
while (Date.now() < args.startAt + args.untilMs) {
  for (const firing of await scheduler.tick(simulatedNow())) {
    fired.push(firing.scheduledAt.toISOString());
  }
  ticks++;
  await new Promise((resolve) => setTimeout(resolve, args.tickEveryMs));
}
await scheduler.stop();
await database.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, ticks, fired })}\n`);
