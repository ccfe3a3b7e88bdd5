/**
 * For a condition that repeats on every request while it lasts (storage down, storage full):
 * lets a log line through at most once per `intervalMs`, telling it how many occurrences were
 * left out since the previous line.
 */
export function createLogThrottle(intervalMs: number, now: () => number = Date.now): (log: (leftOut: number) => void) => void {
  let lastLogAt = -Infinity;
  let leftOut = 0;
  return (log) => {
    if (now() - lastLogAt < intervalMs) {
      leftOut++;
      return;
    }
    log(leftOut);
    lastLogAt = now();
    leftOut = 0;
  };
}
