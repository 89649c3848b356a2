/**
 * warren/testing: real Warren servers for a user's own test suite, as Curator's TestingServer
 * and TestingCluster are for ZooKeeper users.
 *
 *   const server = await TestingServer.start();            // in this process, free port
 *   const client = await createClient(server.connectString).connect();
 *   ...
 *   await server.stop();                                    // data directory removed
 *
 *   const cluster = await TestingCluster.start({ size: 3 }); // child processes
 *   await cluster.kill(1); await cluster.restart(1); await cluster.stop();
 *
 * Servers listen on 127.0.0.1 only. Anything not stopped is killed and removed when the test
 * process exits.
 */
export { TestingServer } from './testing-server.js';
export type { TestingServerOptions } from './testing-server.js';
export { TestingCluster } from './testing-cluster.js';
export type { TestingClusterOptions, TestingMember } from './testing-cluster.js';
export type { ChildState } from './child-server.js';
export { TestingStartError } from './serving.js';
