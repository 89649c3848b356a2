/**
 * `warren server --exit-with-parent` (what `warren cluster` starts its servers with): stop
 * when the parent process is gone, however it went. Signals cannot do this: a parent killed
 * with SIGKILL sends none, and a process group kill misses it too. The parent opens an IPC
 * channel to each server instead; the kernel closes it when the parent dies, and the server
 * sees `disconnect` and shuts down as on SIGTERM.
 */
export function stopWhenParentExits(stop: (reason: string) => void): boolean {
  const channel = process.channel;
  if (channel === undefined) return false;
  // The channel alone must not keep a server running that has otherwise stopped.
  channel.unref();
  process.once('disconnect', () => stop('parent exited'));
  return true;
}
