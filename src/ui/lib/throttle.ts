// Leading + trailing throttle: at most one call per `ms`, and the last call always lands.
// Used between the metrics stream (as fast as steps come) and the charts (a few redraws a second).
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { flush(): void; cancel(): void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    last = Date.now();
    const args = pending!;
    pending = null;
    fn(...args);
  };
  const throttled = (...args: A) => {
    pending = args;
    const wait = ms - (Date.now() - last);
    if (wait <= 0 && !timer) run();
    else if (!timer) timer = setTimeout(run, Math.max(wait, 0));
  };
  throttled.flush = () => {
    if (timer) clearTimeout(timer);
    if (pending) run();
    else timer = null;
  };
  throttled.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return throttled;
}

/** How often charts may redraw: 4 times a second. */
export const CHART_REDRAW_MS = 250;
