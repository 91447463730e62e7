import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';
import { connectorEnvironment } from '../provision/connectors.provision';
import { type JvmArtifacts, javaArgs, jmxExporterAgent } from './jvm.artifacts';

/**
 * Kafka Connect in distributed mode (its state lives in Kafka topics, as in
 * production), with the Debezium Postgres connector on the plugin path and the
 * JMX exporter agent serving connector status and Debezium's metrics.
 */
export function connectWorkerProperties(config: StackConfig, pluginPath: string): string {
  return [
    `bootstrap.servers=${config.kafka.brokers.join(',')}`,
    'group.id=orderflow-connect',
    `listeners=http://${config.host}:${config.connect.port}`,
    `rest.advertised.host.name=${config.host}`,
    `rest.advertised.port=${config.connect.port}`,
    // The outbox payload column is jsonb text: pass it through unchanged.
    'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter',
    'config.storage.topic=_connect-configs',
    'offset.storage.topic=_connect-offsets',
    'status.storage.topic=_connect-status',
    // Connect's own state, replicated like every other topic of the cluster.
    `config.storage.replication.factor=${config.kafka.replicationFactor}`,
    `offset.storage.replication.factor=${config.kafka.replicationFactor}`,
    `status.storage.replication.factor=${config.kafka.replicationFactor}`,
    // Debezium's committed WAL position: flushed often, so a restart re-sends little.
    'offset.flush.interval.ms=5000',
    `plugin.path=${pluginPath}`,
    // The reflective plugin scan costs ~5 s and ~330 MiB; service loading finds Debezium too.
    'plugin.discovery=service_load',
    // Connectors tune their own producer (linger, acks) through producer.override.*.
    'connector.client.config.override.policy=All',
    // Connector JSON in infra/connectors reads hosts and secrets as ${env:...},
    // so the same files serve the native stack and docker-compose.
    'config.providers=env',
    'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    '',
  ].join('\n');
}

export async function startConnect(config: StackConfig, registry: ProcessRegistry, jvm: JvmArtifacts): Promise<void> {
  if (registry.running('connect')) return;
  const dir = path.join(config.dataDir, 'connect');
  mkdirSync(dir, { recursive: true });
  const propsFile = path.join(dir, 'connect-distributed.properties');
  writeFileSync(propsFile, connectWorkerProperties(config, jvm.pluginPath));
  registry.spawnDetached(
    'connect',
    'java',
    javaArgs(
      config,
      config.connect.heap,
      jvm.kafkaClasspath,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      [propsFile],
      jmxExporterAgent(config, jvm, config.connect.metricsPort, 'connect.yml'),
    ),
    { cwd: dir, env: { ...process.env, ...connectorEnvironment(config) } },
  );
  await waitFor('Kafka Connect REST API', () => connectReady(config), { timeoutMs: 90_000, intervalMs: 300 });
}

export async function connectReady(config: StackConfig): Promise<boolean> {
  const response = await fetch(`${config.connect.url}/connectors`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
