// The line printed every 5 s while the load runs: rates over the last interval, errors so far,
// the ingester's lag, and how busy the collectors and the machine were.
import type { LoadGenerator } from './load-generator.ts';
import { busyFraction, machineCpu, processCpuSeconds } from './process-cpu.ts';
import { fmt } from './stats.ts';

export class ProgressLine {
  private lastAt = performance.now();
  private lastMachine = machineCpu();
  private lastSent: number[];
  private lastAcked: number[];
  private lastCpu: number[];

  constructor(
    private readonly startedAt: number,
    private readonly generators: readonly LoadGenerator[],
    private readonly pids: readonly number[],
  ) {
    this.lastSent = generators.map((g) => g.stats.itemsSent);
    this.lastAcked = generators.map((g) => g.stats.itemsAcked);
    this.lastCpu = pids.map((p) => processCpuSeconds(p) ?? 0);
  }

  render(lag: number | undefined): string {
    const now = performance.now();
    const dt = (now - this.lastAt) / 1000;
    const machine = machineCpu();
    const parts = this.generators.map((g, i) => {
      const s = g.stats;
      const sent = (s.itemsSent - (this.lastSent[i] ?? 0)) / dt;
      const acked = (s.itemsAcked - (this.lastAcked[i] ?? 0)) / dt;
      const errors = [...s.errors].map(([k, v]) => `${k}:${v}`).join(',') || '0';
      return `${g.path} sent ${fmt(sent)}/s acked ${fmt(acked)}/s errors ${errors}`;
    });
    const cpu = this.pids.map((p, i) => ((processCpuSeconds(p) ?? 0) - (this.lastCpu[i] ?? 0)) / dt);
    const line =
      `[${fmt((now - this.startedAt) / 1000)} s] ${parts.join(' | ')} | lag ${lag === undefined ? '?' : fmt(lag)}` +
      ` | cpu receiver ${fmt(cpu[0] ?? 0, 2)} ingester ${fmt(cpu[1] ?? 0, 2)} machine ${fmt(busyFraction(this.lastMachine, machine) * 100)}%`;
    this.lastAt = now;
    this.lastMachine = machine;
    this.lastSent = this.generators.map((g) => g.stats.itemsSent);
    this.lastAcked = this.generators.map((g) => g.stats.itemsAcked);
    this.lastCpu = this.pids.map((p) => processCpuSeconds(p) ?? 0);
    return line;
  }
}
