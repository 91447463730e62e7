import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createKafka } from '@orderflow/messaging';
import type { KafkaNode, StackConfig } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';
import { type JvmArtifacts, javaArgs, jmxExporterAgent } from './jvm.artifacts';

/**
 * A KRaft node (broker and controller in one JVM) on loopback. One node by
 * default; with `--brokers 3`, three nodes that are each other's controller
 * quorum, and every topic — the internal ones included — with three replicas
 * and min.insync.replicas=2, so that losing one node loses nothing and stops
 * nothing (producers use acks=all). Each node serves Prometheus metrics
 * through the JMX exporter agent on its metrics port.
 */
export function kafkaServerProperties(config: StackConfig, node: KafkaNode, logDir: string): string {
  const { host } = config;
  const { nodes, replicationFactor, minInsyncReplicas } = config.kafka;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    // Topics are declared in infra/src/provision/topics.declaration.ts and created
    // before anything produces; an undeclared topic is a bug to see, not paper over.
    'auto.create.topics.enable=false',
    'num.partitions=6',
    `default.replication.factor=${replicationFactor}`,
    `min.insync.replicas=${minInsyncReplicas}`,
    `offsets.topic.replication.factor=${replicationFactor}`,
    `transaction.state.log.replication.factor=${replicationFactor}`,
    `transaction.state.log.min.isr=${minInsyncReplicas}`,
    `share.coordinator.state.topic.replication.factor=${replicationFactor}`,
    `share.coordinator.state.topic.min.isr=${minInsyncReplicas}`,
    // Consumers in tests and at start join at once instead of after 3 s.
    'group.initial.rebalance.delay.ms=0',
    // A node restarted after a crash cannot register until its old registration's
    // session has expired (DuplicateBrokerRegistrationException, retried every 2 s):
    // 4 s rather than the default 9 s, which is also how soon a lost node of three
    // is fenced and its partitions led elsewhere. Heartbeats every second keep a
    // live node well inside it.
    'broker.heartbeat.interval.ms=1000',
    'broker.session.timeout.ms=4000',
    '',
  ].join('\n');
}

/** A KRaft cluster id: 16 random bytes, base64url without padding. */
export const newClusterId = (): string => randomBytes(16).toString('base64url');

/**
 * Where a node keeps its data. One node: `.data/kafka` (as the stack always
 * had). Three: `.data/kafka-3/node-N`, a cluster of their own — a one-node log
 * cannot join a three-node quorum, so switching modes starts an empty cluster.
 */
const nodeDir = (config: StackConfig, node: KafkaNode) =>
  config.kafka.nodes.length === 1
    ? path.join(config.dataDir, 'kafka')
    : path.join(config.dataDir, `kafka-${config.kafka.nodes.length}`, `node-${node.id}`);

/** The cluster id every node of the mode is formatted with. */
function clusterId(config: StackConfig): string {
  if (config.kafka.nodes.length === 1) return newClusterId();
  const file = path.join(config.dataDir, `kafka-${config.kafka.nodes.length}`, 'cluster.id');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, newClusterId());
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * A switch between one and three brokers starts the new mode's cluster empty.
 * Its old log would hold Connect offsets from before the other mode's run, and
 * Debezium refuses (rightly) to resume from a WAL position its replication slot
 * has already moved past; an empty cluster streams from the slot.
 */
function forgetStaleCluster(config: StackConfig): void {
  const marker = path.join(config.dataDir, 'kafka-mode');
  const mode = String(config.kafka.nodes.length);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() !== mode) {
    const dir =
      config.kafka.nodes.length === 1
        ? nodeDir(config, config.kafka.nodes[0]!)
        : path.dirname(nodeDir(config, config.kafka.nodes[0]!));
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(marker, mode);
}

export async function startKafka(config: StackConfig, registry: ProcessRegistry, jvm: JvmArtifacts): Promise<void> {
  const first = registry.running('kafka');
  if (first && !first.command.some((arg) => arg.startsWith(nodeDir(config, config.kafka.nodes[0]!)))) {
    throw new Error(
      `Kafka runs in another mode than ${config.kafka.nodes.length} broker(s) asks for: \`stack down\` first`,
    );
  }
  if (!first) forgetStaleCluster(config);
  // Every node is started before any is waited on: a KRaft node answers only once its quorum is up.
  for (const node of config.kafka.nodes) {
    if (registry.running(node.name)) continue;
    const dir = nodeDir(config, node);
    const logDir = path.join(dir, 'log');
    const propsFile = path.join(dir, 'server.properties');
    mkdirSync(dir, { recursive: true });
    writeFileSync(propsFile, kafkaServerProperties(config, node, logDir));
    if (!existsSync(path.join(logDir, 'meta.properties'))) {
      execFileSync(
        'java',
        // `--cluster-id=…` in one argument: a base64url id may begin with '-', which a separate value would not survive.
        javaArgs(config, '256m', jvm.kafkaClasspath, 'kafka.tools.StorageTool', [
          'format',
          `--cluster-id=${clusterId(config)}`,
          '-c',
          propsFile,
        ]),
        { stdio: 'pipe' },
      );
    }
    registry.spawnDetached(
      node.name,
      'java',
      javaArgs(
        config,
        config.kafka.heap,
        jvm.kafkaClasspath,
        'kafka.Kafka',
        [propsFile],
        jmxExporterAgent(config, jvm, node.metricsPort, 'kafka.yml'),
      ),
      { cwd: dir },
    );
  }
  await waitFor('Kafka to answer metadata requests', () => kafkaReady(config), { timeoutMs: 90_000 });
}

/** Every node of the mode is in the cluster's metadata. */
export async function kafkaReady(config: StackConfig): Promise<boolean> {
  const brokers = await clusterBrokers(config.kafka.brokers);
  return config.kafka.nodes.every((node) => brokers.includes(node.id));
}

/** One node answers metadata requests itself. */
export async function kafkaNodeReady(node: KafkaNode): Promise<boolean> {
  return (await clusterBrokers([node.address])).includes(node.id);
}

async function clusterBrokers(addresses: string[]): Promise<number[]> {
  const admin = createKafka('orderflow-stack', addresses, { logLevel: 'nothing', probe: true }).admin();
  try {
    await admin.connect();
    return await admin.brokerIds();
  } catch {
    return [];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
