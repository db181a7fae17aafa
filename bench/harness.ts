// A small benchmark harness: ops per second as the median of several timed samples,
// so each figure can be printed as a ratio against a baseline measured in the same run.

export interface Rate {
  name: string;
  opsPerSec: number;
}

/** Runs fn in batches for about sampleMs per sample and returns the median rate. */
export function measure(name: string, fn: (i: number) => void, samples = 5, sampleMs = 200): Rate {
  for (let i = 0; i < 1000; i++) fn(i);
  const rates: number[] = [];
  let i = 0;
  for (let s = 0; s < samples; s++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < sampleMs) {
      for (let k = 0; k < 100; k++) fn(i++);
      ops += 100;
      elapsed = performance.now() - start;
    }
    rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return { name, opsPerSec: rates[Math.floor(rates.length / 2)]! };
}

/** Median wall time in ms of a one-shot operation. */
export function timeOnce(fn: () => void, runs = 7): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export function fmtRate(r: Rate): string {
  return `${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s`;
}

/** One result line: the figure, its baseline, their ratio and whether the target holds. */
export function report(label: string, value: string, baseline: string, ratio: number, target: string, ok: boolean): void {
  console.log(`${label.padEnd(44)} ${value.padStart(18)}  baseline ${baseline.padStart(18)}  ratio ${ratio.toFixed(2).padStart(8)}x  target ${target} ${ok ? 'OK' : 'MISSED'}`);
}
