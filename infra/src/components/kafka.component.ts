import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';
import { type JvmArtifacts, javaArgs } from './jvm.artifacts';

/** A single-node KRaft broker (broker and controller in one JVM) on loopback. */
export function kafkaServerProperties(config: StackConfig, logDir: string): string {
  const { host } = config;
  const { port, controllerPort } = config.kafka;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    // Topics are declared in infra/kafka/topics.ts and created before anything
    // produces; an undeclared topic is a bug we want to see, not paper over.
    'auto.create.topics.enable=false',
    'num.partitions=6',
    // One broker: every internal topic has a single replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumers in tests and at start join at once instead of after 3 s.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

/** A KRaft cluster id: 16 random bytes, base64url without padding. */
export const newClusterId = (): string => randomBytes(16).toString('base64url');

export async function startKafka(config: StackConfig, registry: ProcessRegistry, jvm: JvmArtifacts): Promise<void> {
  if (registry.running('kafka')) return;
  const dir = path.join(config.dataDir, 'kafka');
  const logDir = path.join(dir, 'log');
  const propsFile = path.join(dir, 'server.properties');
  mkdirSync(dir, { recursive: true });
  writeFileSync(propsFile, kafkaServerProperties(config, logDir));
  if (!existsSync(path.join(logDir, 'meta.properties'))) {
    execFileSync(
      'java',
      javaArgs(config, '256m', jvm.kafkaClasspath, 'kafka.tools.StorageTool', [
        'format',
        '-t',
        newClusterId(),
        '-c',
        propsFile,
      ]),
      { stdio: 'pipe' },
    );
  }
  registry.spawnDetached(
    'kafka',
    'java',
    javaArgs(config, config.kafka.heap, jvm.kafkaClasspath, 'kafka.Kafka', [propsFile]),
    {
      cwd: dir,
    },
  );
  await waitFor('Kafka to answer metadata requests', () => kafkaReady(config), { timeoutMs: 60_000 });
}

export async function kafkaReady(config: StackConfig): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'orderflow-stack',
    brokers: [config.kafka.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
