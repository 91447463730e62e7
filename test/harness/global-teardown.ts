/** Stops what the global setup started; a stack it found running stays up. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__ORDERFLOW_HARNESS__;
  if (!state?.stop) return;
  const stop = state.stop;
  state.stop = undefined;
  await stop();
}
