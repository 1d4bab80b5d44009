/** Latencies (ms) of a request repeated every `everyMs` until `stop` settles. */
export async function probeLatency(request: () => Promise<unknown>, stop: Promise<unknown>, everyMs = 10): Promise<number[]> {
  const samples: number[] = [];
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    const started = performance.now();
    await request();
    samples.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return samples;
}

/** The q-quantile (0..1) of samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? 0;
}
