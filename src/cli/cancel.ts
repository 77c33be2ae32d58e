/** Exit code of a command stopped by Ctrl+C (128 + SIGINT), as shells report it. */
export const EXIT_CANCELLED = 130;

const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Run `work` with an AbortSignal that Ctrl+C (or SIGTERM/SIGHUP) aborts. The processes lathe starts have their own
 * process groups, so only lathe gets the signal: it stops them and records what happened instead of dying.
 */
export async function whileCancellable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  for (const s of CANCEL_SIGNALS) process.on(s, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const s of CANCEL_SIGNALS) process.off(s, onSignal);
  }
}
