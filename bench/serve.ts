/**
 * Starts one benchmark server (as bench/run.ts would: fresh temp dir, free port, ZooKeeper
 * with -Xmx2g) for tools outside Node, such as bench/zkbench-cross-check.sh. Prints one JSON
 * line {name, host, port, pid, connectString, logFile} on stdout once the server is ready,
 * then keeps it running until stdin reaches end-of-file, and stops it (SIGINT or SIGTERM kill
 * it too, through the launcher's exit hooks).
 *   node dist/bench/serve.js zookeeper < control-fifo
 */
import { isServerName, SERVER_NAMES, startBenchServer } from './servers.js';

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  if (!isServerName(name)) {
    process.stderr.write(`usage: serve.js ${SERVER_NAMES.join('|')}  (stops at end of stdin)\n`);
    process.exit(2);
  }
  const server = await startBenchServer(name);
  const { host, port, pid, logFile } = server;
  const connectString = `${host}:${port}`;
  process.stdout.write(`${JSON.stringify({ name, host, port, pid, connectString, logFile })}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', () => resolve());
    process.stdin.resume();
  });
  await server.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
