// The Node agent's settings: standard OTEL_* variables read as the OTLP exporter specification
// says, and every bad value a warning naming the variable with the default used instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAgentConfig } from '../../agents/node/agent-config.ts';

void describe('Node agent settings', () => {
  void it('defaults: local receiver, no headers, service named after the script', () => {
    const { config, warnings } = readAgentConfig({}, '/srv/app/server.mjs');
    assert.deepEqual(warnings, []);
    assert.equal(config.enabled, true);
    assert.equal(config.endpoint, 'http://localhost:4318');
    assert.deepEqual(config.headers, {});
    assert.equal(config.serviceName, 'unknown_service:server');
    assert.equal(config.metricIntervalMs, 60_000);
  });

  void it('reads endpoint, service name, URL-encoded headers, timeouts and the API key shorthand', () => {
    const { config, warnings } = readAgentConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://cairn.example:4318/',
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=payments,x-note=a%20b%3Dc',
      CAIRN_API_KEY: 'k-0123456789abcdef',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.endpoint, 'https://cairn.example:4318');
    assert.equal(config.serviceName, 'checkout');
    assert.deepEqual(config.headers, { 'x-team': 'payments', 'x-note': 'a b=c', Authorization: 'Bearer k-0123456789abcdef' });
    assert.equal(config.exportTimeoutMs, 2500);
    assert.equal(config.metricIntervalMs, 5000);
  });

  void it('warns and falls back on each bad value, keeping the good ones', () => {
    const { config, warnings } = readAgentConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'good=1,novalue,=x,bad=%E0%A4%A',
      OTEL_EXPORTER_OTLP_TIMEOUT: '-3',
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
      OTEL_SDK_DISABLED: 'maybe',
    });
    assert.equal(config.enabled, true);
    assert.equal(config.endpoint, 'http://localhost:4318');
    assert.deepEqual(config.headers, { good: '1' });
    assert.equal(config.exportTimeoutMs, 10_000);
    assert.equal(config.metricIntervalMs, 60_000);
    for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_METRIC_EXPORT_INTERVAL', 'OTEL_SDK_DISABLED']) {
      assert.ok(warnings.some((w) => w.startsWith(name)), `a warning names ${name}: ${warnings.join(' | ')}`);
    }
    assert.equal(warnings.filter((w) => w.startsWith('OTEL_EXPORTER_OTLP_HEADERS')).length, 3);
  });

  void it('an explicit Authorization header wins over CAIRN_API_KEY, with a warning', () => {
    const { config, warnings } = readAgentConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20from-header', CAIRN_API_KEY: 'from-key' });
    assert.deepEqual(config.headers, { authorization: 'Bearer from-header' });
    assert.equal(warnings.length, 1);
  });

  void it('OTEL_SDK_DISABLED=true turns the agent off', () => {
    assert.equal(readAgentConfig({ OTEL_SDK_DISABLED: 'TRUE' }).config.enabled, false);
  });
});
