import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config/stack.config';

/**
 * Kafka, Connect and Debezium come as released jars from Maven Central, fetched
 * once by `infra/jvm/pom.xml` into a cache folder named after the versions the
 * pom pins, so a version bump fetches again and nothing else does.
 */
export interface JvmArtifacts {
  kafkaClasspath: string;
  pluginPath: string;
  versions: { kafka: string; debezium: string };
}

export function jvmVersions(config: StackConfig): { kafka: string; debezium: string } {
  const pom = readFileSync(path.join(config.repoRoot, 'infra', 'jvm', 'pom.xml'), 'utf8');
  const read = (name: string) => {
    const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom);
    if (!match?.[1]) throw new Error(`infra/jvm/pom.xml has no <${name}>`);
    return match[1];
  };
  return { kafka: read('kafka.version'), debezium: read('debezium.version') };
}

export function ensureJvmArtifacts(config: StackConfig, log: (line: string) => void): JvmArtifacts {
  const versions = jvmVersions(config);
  const dir = path.join(config.cacheDir, 'jvm', `kafka-${versions.kafka}-debezium-${versions.debezium}`);
  const kafkaDir = path.join(dir, 'kafka');
  const pluginsDir = path.join(dir, 'plugins');
  const fetched = (d: string) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.jar'));
  if (!fetched(kafkaDir) || !fetched(path.join(pluginsDir, 'debezium-postgres'))) {
    log(`fetching Kafka ${versions.kafka} and Debezium ${versions.debezium} from Maven Central`);
    execFileSync(
      'mvn',
      ['-B', '-q', '-f', path.join(config.repoRoot, 'infra', 'jvm', 'pom.xml'), `-Dorderflow.cache=${dir}`, 'package'],
      { stdio: 'inherit' },
    );
  }
  return { kafkaClasspath: path.join(kafkaDir, '*'), pluginPath: pluginsDir, versions };
}

/** A JVM command line that logs to stdout through our log4j2 file and stays small. */
export function javaArgs(config: StackConfig, heap: string, classpath: string, mainClass: string, args: string[]) {
  return [
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
