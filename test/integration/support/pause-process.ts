// Freezes and thaws processes of the local stack with SIGSTOP/SIGCONT: from the outside the
// service is down (connections hang, sessions time out) without losing its state, and it comes
// back the moment it is thawed. Thawing is registered so a failed test never leaves it frozen.
import { readFileSync } from 'node:fs';
import { pidFile } from '../../../deploy/local/paths.ts';

export interface Paused {
  resume(): void;
}

export function pauseServices(services: readonly string[]): Paused {
  const pids = services.map((s) => Number(readFileSync(pidFile(s), 'utf8').trim()));
  for (const pid of pids) process.kill(-pid, 'SIGSTOP');
  let resumed = false;
  const resume = (): void => {
    if (resumed) return;
    resumed = true;
    for (const pid of pids) process.kill(-pid, 'SIGCONT');
  };
  process.once('exit', resume);
  return { resume };
}
