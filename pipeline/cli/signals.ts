// A long-running command (`release watch`) stops cleanly between passes on SIGTERM or SIGINT.

/** An AbortSignal that SIGTERM or SIGINT aborts, until `dispose()` removes the handlers. */
export function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
