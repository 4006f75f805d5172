// Resident memory of a process and all its descendants, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

function children(pid) {
  const result = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) result.push(Number(entry));
    } catch {}
  }
  return result;
}

export function treeRssBytes(pid) {
  let total = 0;
  const pending = [pid];
  const seen = [];
  while (pending.length) {
    const current = pending.pop();
    try {
      const status = readFileSync(`/proc/${current}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      if (match) total += Number(match[1]) * 1024;
      seen.push(current);
      pending.push(...children(current));
    } catch {}
  }
  return { bytes: total, processes: seen.length };
}
