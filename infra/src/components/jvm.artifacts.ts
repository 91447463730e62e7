import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config/stack.config';

/**
 * Kafka, Connect, Debezium and the Prometheus JMX exporter's agent come as
 * released jars from Maven Central, fetched once by `infra/jvm/pom.xml` into a
 * cache folder named after the versions the pom pins (the agent jar carries its
 * own), so a version bump fetches again and nothing else does.
 */
export interface JvmArtifacts {
  kafkaClasspath: string;
  pluginPath: string;
  /** jmx_prometheus_javaagent-<version>.jar */
  jmxAgent: string;
  versions: JvmVersions;
}

export interface JvmVersions {
  kafka: string;
  debezium: string;
  jmxExporter: string;
}

export function jvmVersions(config: StackConfig): JvmVersions {
  const pom = readFileSync(path.join(config.repoRoot, 'infra', 'jvm', 'pom.xml'), 'utf8');
  const read = (name: string) => {
    const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom);
    if (!match?.[1]) throw new Error(`infra/jvm/pom.xml has no <${name}>`);
    return match[1];
  };
  return {
    kafka: read('kafka.version'),
    debezium: read('debezium.version'),
    jmxExporter: read('jmx.exporter.version'),
  };
}

export function ensureJvmArtifacts(config: StackConfig, log: (line: string) => void): JvmArtifacts {
  const versions = jvmVersions(config);
  const dir = path.join(config.cacheDir, 'jvm', `kafka-${versions.kafka}-debezium-${versions.debezium}`);
  const kafkaDir = path.join(dir, 'kafka');
  const pluginsDir = path.join(dir, 'plugins');
  const jmxAgent = path.join(dir, 'agents', `jmx_prometheus_javaagent-${versions.jmxExporter}.jar`);
  const fetched = (d: string) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.jar'));
  if (!fetched(kafkaDir) || !fetched(path.join(pluginsDir, 'debezium-postgres')) || !existsSync(jmxAgent)) {
    log(
      `fetching Kafka ${versions.kafka}, Debezium ${versions.debezium} and the JMX exporter ${versions.jmxExporter} from Maven Central`,
    );
    execFileSync(
      'mvn',
      ['-B', '-q', '-f', path.join(config.repoRoot, 'infra', 'jvm', 'pom.xml'), `-Dorderflow.cache=${dir}`, 'package'],
      { stdio: 'inherit' },
    );
  }
  return { kafkaClasspath: path.join(kafkaDir, '*'), pluginPath: pluginsDir, jmxAgent, versions };
}

/**
 * The JMX exporter agent serving the JVM's metrics (as the rules in
 * infra/observability/jmx/<rules> select them) on host:port, loopback only.
 * The agent splits its argument on ':', so neither path may hold one.
 */
export function jmxExporterAgent(config: StackConfig, jvm: JvmArtifacts, port: number, rules: string): string {
  const rulesFile = path.join(config.repoRoot, 'infra', 'observability', 'jmx', rules);
  return `-javaagent:${jvm.jmxAgent}=${config.host}:${port}:${rulesFile}`;
}

/** A JVM command line that logs to stdout through our log4j2 file and stays small, with an optional java agent. */
export function javaArgs(
  config: StackConfig,
  heap: string,
  classpath: string,
  mainClass: string,
  args: string[],
  javaagent?: string,
) {
  return [
    ...(javaagent ? [javaagent] : []),
    '-Xms128m',
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(config.repoRoot, 'infra', 'kafka', 'log4j2.properties')}`,
    '-cp',
    classpath,
    mainClass,
    ...args,
  ];
}
