#!/usr/bin/env bash
# Measures the stack's cold and warm start, as the README reports them:
#   cold = fresh clone, empty npm and Maven caches: `npm start` installs, downloads jars, runs initdb
#   warm = the same clone again after `stack down`: everything installed and initialised
# Runs in a throw-away clone on its own ports, so a running stack is not disturbed.
# Writes bench/results/stack-start.md (with the machine and versions).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/orderflow-start.XXXXXX)"
chmod 755 "$work"
git clone -q "$root" "$work/clone"
cd "$work/clone"
export npm_config_cache="$work/npm-cache" MAVEN_OPTS="-Dmaven.repo.local=$work/m2"
export ORDERFLOW_KAFKA_PORT=39092 ORDERFLOW_KAFKA_CONTROLLER_PORT=39093 ORDERFLOW_CONNECT_PORT=38083 \
  ORDERFLOW_POSTGRES_PORT=35432 ORDERFLOW_SMTP_PORT=31025 ORDERFLOW_MAIL_UI_PORT=31080 \
  ORDERFLOW_ORDERS_PORT=33001 ORDERFLOW_PAYMENTS_PORT=33002 ORDERFLOW_EMAIL_PORT=33003 \
  ORDERFLOW_KAFKA_METRICS_PORT=37071 ORDERFLOW_CONNECT_METRICS_PORT=37081 ORDERFLOW_PROMETHEUS_PORT=39090
timed() { local s e; s=$(date +%s%N); "$@" > "$work/$1-$2.log" 2>&1; e=$(date +%s%N); echo "scale=1; ($e - $s) / 1000000000" | bc; }
cold=$(timed npm start)
npm run stack -- down > /dev/null 2>&1
warm=$(timed npm start)
# The Node the stack ran on (fetched by the cold start when the machine's is older), for the report.
source "$work/clone/infra/bin/use-node"
status_json=$(npm run --silent stack -- status --json)
healthy=$(node -p 'JSON.parse(process.argv[1]).healthy' "$status_json")
# Resident memory of the whole stack: every process group `stack status` lists (a JVM's, Postgres' backends).
rss_mib=0
for pid in $(node -p 'Object.values(JSON.parse(process.argv[1]).components).map((c) => c.pid).filter(Boolean).join(" ")' "$status_json"); do
  kb=$(ps -o rss= -g "$(ps -o pgid= -p "$pid" | tr -d ' ')" | awk '{s+=$1} END {print s+0}')
  rss_mib=$((rss_mib + kb / 1024))
done
npm run stack -- down > /dev/null 2>&1
mkdir -p "$root/bench/results"
cat > "$root/bench/results/stack-start.md" <<MD
# Stack start times

Measured $(date -u +%Y-%m-%dT%H:%MZ) by \`bench/stack-start.sh\`; healthy after start: $healthy.

| start | seconds |
|---|---|
| cold: fresh clone, empty npm and Maven caches (npm install, jar download, initdb, build) | $cold |
| warm: after \`stack down\`, everything installed and initialised | $warm |

Resident memory of the running stack with its services (sum over the process groups \`stack status\` lists): $rss_mib MiB.

Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); Node $(node -v), npm $(npm -v 2>/dev/null), $(java -version 2>&1 | head -1).
Stack: $(grep -oE '<(kafka|debezium)\.version>[^<]+' "$root/infra/jvm/pom.xml" | sed 's/<//;s/>/ /' | paste -sd, -), embedded-postgres $(node -p 'require("./infra/package.json").dependencies["embedded-postgres"]').
MD
cat "$root/bench/results/stack-start.md"
rm -rf "$work"
