import autocannon from 'autocannon';

/** What one measured run produced. Latencies in milliseconds. */
export interface LoadResult {
  /** Completed operations (requests, or whole flows) in the measured window. */
  operations: number;
  seconds: number;
  perSecond: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Transport errors, timeouts and unexpected statuses. */
  failures: number;
}

export interface Progress {
  (line: string): void;
}

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** The status every answer must have. */
  expectStatus?: number;
}

/** Fixed-shape HTTP load with autocannon: `warmupS` discarded, then `seconds` measured. */
export async function runHttpLoad(load: HttpLoad, timing: { warmupS: number; seconds: number }, progress: Progress): Promise<LoadResult> {
  const options = {
    url: load.url,
    method: load.method ?? 'GET',
    headers: load.headers ?? {},
    ...(load.body !== undefined ? { body: load.body } : {}),
    connections: load.connections,
    pipelining: 1,
    timeout: 10,
  };
  if (timing.warmupS > 0) await cannon({ ...options, duration: timing.warmupS }, () => undefined);
  const started = Date.now();
  const result = await cannon({ ...options, duration: timing.seconds }, (count) => {
    progress(`${((Date.now() - started) / 1000).toFixed(0)}/${timing.seconds} s, ${count} requests`);
  });
  const expected = load.expectStatus ?? 200;
  const unexpected = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => Number(status) !== expected)
    .reduce((sum, [, stats]) => sum + (stats as { count: number }).count, 0);
  const seconds = result.duration;
  return {
    operations: result.requests.total,
    seconds,
    perSecond: result.requests.total / seconds,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    failures: result.errors + result.timeouts + unexpected,
  };
}

function cannon(options: autocannon.Options, tick: (count: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let count = 0;
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    (instance as unknown as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => {
      count += counter.counter;
      tick(count);
    });
  });
}

/**
 * Closed-loop load for operations autocannon cannot express (each step depends on the answer
 * of the previous one): `concurrency` loops run `operation` back to back.
 */
export async function runLoop(
  operation: (loop: number) => Promise<void>,
  options: { concurrency: number; warmupS: number; seconds: number },
  progress: Progress,
): Promise<LoadResult> {
  const phase = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    const ticker = record ? setInterval(() => progress(`${((performance.now() - started) / 1000).toFixed(0)}/${seconds} s, ${latencies.length} done`), 1000) : undefined;
    await Promise.all(Array.from({ length: options.concurrency }, async (_, loop) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await operation(loop);
          latencies.push(performance.now() - t0);
        } catch (error) {
          failures++;
          if (failures === 1 && record) progress(`first failure: ${(error as Error).message.slice(0, 200)}`);
        }
      }
    }));
    clearInterval(ticker);
    return { latencies, failures, elapsed: (performance.now() - started) / 1000 };
  };
  if (options.warmupS > 0) await phase(options.warmupS, false);
  const { latencies, failures, elapsed } = await phase(options.seconds, true);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : 0);
  return {
    operations: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    latency: { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(latencies.at(-1) ?? 0) },
    failures,
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
