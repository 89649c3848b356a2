/** metricsProvider.* and admin.*: real settings, and what Warren refuses among them. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, parseZooCfg } from '../../../src/config/config.js';
import { PROMETHEUS_PROVIDER } from '../../../src/config/config-operations.js';

const parse = (text: string) => parseZooCfg(text, 'zoo.cfg');

describe('metrics and AdminServer settings', () => {
  it('are off by default (the AdminServer too, unlike ZooKeeper)', () => {
    const config = defaultConfig();
    assert.equal(config.metricsEnabled, false);
    assert.equal(config.adminEnabled, false);
    assert.equal(config.metricsHttpPort, 7000);
    assert.equal(config.adminServerPort, 8080);
    assert.equal(config.adminCommandUrl, '/commands');
  });

  it('reads ZooKeeper spellings, system-property ones included', () => {
    const { config, warnings } = parse(
      [
        `metricsProvider.className=${PROMETHEUS_PROVIDER}`,
        'metricsProvider.httpHost=127.0.0.1',
        'metricsProvider.httpPort=7001',
        'metricsProvider.exportJvmInfo=false',
        'metricsProvider.numWorkerThreads=4',
        'zookeeper.admin.enableServer=true',
        'admin.serverAddress=127.0.0.1',
        'admin.serverPort=8081',
        'admin.commandURL=/cmds',
        'admin.idleTimeout=5000',
      ].join('\n'),
    );
    assert.deepEqual(warnings, []);
    assert.equal(config.metricsEnabled, true);
    assert.equal(config.metricsHttpHost, '127.0.0.1');
    assert.equal(config.metricsHttpPort, 7001);
    assert.equal(config.metricsExportProcessInfo, false);
    assert.equal(config.adminEnabled, true);
    assert.equal(config.adminServerAddress, '127.0.0.1');
    assert.equal(config.adminServerPort, 8081);
    assert.equal(config.adminCommandUrl, '/cmds');
    assert.equal(config.adminIdleTimeoutMs, 5000);
  });

  it("takes ZooKeeper's default provider as no listener", () => {
    const line =
      'metricsProvider.className=org.apache.zookeeper.metrics.impl.DefaultMetricsProvider';
    assert.equal(parse(line).config.metricsEnabled, false);
  });

  it('refuses an unknown provider naming it, and TLS on the metrics listener', () => {
    assert.throws(
      () => parse('metricsProvider.className=com.example.StatsdProvider'),
      /line 1: metricsProvider.className must be .*got 'com.example.StatsdProvider'.*no other/,
    );
    assert.throws(() => parse('metricsProvider.httpsPort=7443'), /plain HTTP only/);
    assert.throws(() => parse('admin.forceHttps=maybe'), /admin.forceHttps must be true or false/);
    assert.throws(() => parse('admin.serverPort=0'), /admin.serverPort must be a port/);
    assert.throws(() => parse('admin.commandURL=commands'), /admin.commandURL must be/);
  });

  it("reads the AdminServer's HTTPS settings under both spellings", () => {
    const { config } = parse(
      'admin.forceHttps=true\nzookeeper.admin.portUnification=true\nadmin.needClientAuth=true',
    );
    assert.equal(config.adminForceHttps, true);
    assert.equal(config.adminPortUnification, true);
    assert.equal(config.adminNeedClientAuth, true);
    assert.equal(parse('admin.serverPort=8080').config.adminForceHttps, false);
  });
});
