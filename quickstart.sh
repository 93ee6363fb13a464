#!/usr/bin/env bash
# Quiver quickstart: build the plugin, start a local Kafka (KRaft), a local S3 server (s3proxy) and a Kafka Connect
# worker as separate processes, register the Quiver sink, produce demo events and read the landed Parquet back.
#
# Needs only JDK 17+ and Maven (plus bash, curl, unzip, awk). No Docker; downloads come from Maven Central only.
#
#   ./quickstart.sh                  run everything, print the report, stop everything
#   ./quickstart.sh --keep-running   leave Kafka, S3 and Connect up afterwards for exploring
#   ./quickstart.sh --stop           stop a stack left up by --keep-running
#   ./quickstart.sh --help
#
# Environment overrides (defaults in brackets); a busy port is replaced by the next free one:
#   QS_WORK_DIR [target/quickstart]  QS_EVENTS [10000]  QS_TIMEOUT_S [300]
#   QS_KAFKA_PORT [19092]  QS_CONTROLLER_PORT [19093]  QS_S3_PORT [19000]  QS_CONNECT_PORT [18083]
#   QS_SKIP_BUILD=1  reuse the plugin zip already in target/components/packages
#   QS_CONNECT_OPTS  extra JVM options for the Connect worker, e.g. "-Xmx2g" (default: none beyond -Xmx1g)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$REPO"

WORK="${QS_WORK_DIR:-$REPO/target/quickstart}"
case "$WORK" in /*) ;; *) WORK="$REPO/$WORK" ;; esac
EVENTS="${QS_EVENTS:-10000}"
TIMEOUT_S="${QS_TIMEOUT_S:-300}"
KAFKA_PORT="${QS_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${QS_CONTROLLER_PORT:-19093}"
S3_PORT="${QS_S3_PORT:-19000}"
CONNECT_PORT="${QS_CONNECT_PORT:-18083}"
SKIP_BUILD="${QS_SKIP_BUILD:-0}"

TOPIC=quickstart-events
CONNECTOR=quiver-quickstart
BUCKET=quickstart
PREFIX=landing
S3_ACCESS_KEY=quiver-demo
S3_SECRET_KEY=quiver-demo-secret

KEEP_RUNNING=0
MODE=run
for arg in "$@"; do
  case "$arg" in
    --keep-running) KEEP_RUNNING=1 ;;
    --stop) MODE=stop ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 64 ;;
  esac
done

exec 7>&1 8>&2   # the terminal, for messages printed while a command's output is redirected

LOGS="$WORK/logs"
PIDS="$WORK/pids"
STACK_SCRIPT=quickstart.sh
LOG4J="-Dlog4j2.configurationFile=$REPO/quickstart/log4j2.properties"
TOOL_HEAP=256m
SUCCEEDED=0

if [ -t 1 ]; then BOLD=$'\033[1m'; RED=$'\033[1;31m'; PLAIN=$'\033[0m'; else BOLD=; RED=; PLAIN=; fi
say()  { printf '%s==> [%3ds] %s%s\n' "$BOLD" "$SECONDS" "$*" "$PLAIN"; }
info() { printf '           %s\n' "$*"; }
die()  { printf '\n%sERROR:%s %s\n' "$RED" "$PLAIN" "$*" >&2; exit 1; }

# Processes, ports and the stack's configs: shared with bench/e2e.sh.
# shellcheck source=quickstart/stack-lib.sh
. "$REPO/quickstart/stack-lib.sh"

on_exit() {
  local rc=$?
  set +e
  trap - EXIT
  trap '' INT TERM HUP PIPE   # finish the clean-up even on a second Ctrl-C or a closed output pipe
  exec 1>&7 2>&8              # a Ctrl-C may land inside a command whose output goes to a log file
  if [ "$STARTED" = 1 ]; then
    if [ "$KEEP_RUNNING" = 1 ] && [ "$SUCCEEDED" = 1 ]; then
      :
    else
      echo
      say "Stopping the processes this run started"
      stop_all
    fi
  fi
  if [ -d "$LOGS" ]; then
    echo
    case "$rc" in
      0) info "Logs: $LOGS" ;;
      130) echo "Interrupted. Logs: $LOGS" >&2 ;;
      *) echo "Quickstart FAILED (exit $rc). Logs: $LOGS" >&2 ;;
    esac
  fi
  exit "$rc"
}

if [ "$MODE" = stop ]; then
  [ -f "$PIDS" ] || { echo "nothing to stop (no $PIDS)"; exit 0; }
  say "Stopping the quickstart stack in $WORK"
  stop_all
  exit 0
fi

# ------------------------------------------------------------------ prerequisites

SECONDS=0
T_START=$SECONDS
say "Checking prerequisites"
command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 or newer and put it on PATH"
JAVA_VERSION="$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
JAVA_MAJOR="${JAVA_VERSION%%.*}"
[ "$JAVA_MAJOR" = 1 ] && JAVA_MAJOR="$(echo "$JAVA_VERSION" | cut -d. -f2)"
case "$JAVA_MAJOR" in ''|*[!0-9]*) die "cannot parse the Java version from 'java -version' ($JAVA_VERSION)" ;; esac
[ "$JAVA_MAJOR" -ge 17 ] || die "Java $JAVA_VERSION found; Quiver and this quickstart need Java 17 or newer"
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Apache Maven 3.8+ and put it on PATH"
for tool in curl unzip awk sed; do command -v "$tool" >/dev/null 2>&1 || die "$tool not found; please install it"; done
# The first line through sed, not head: with pipefail, a reader that closes early could fail mvn.
info "java $JAVA_VERSION, $(mvn -v 2>/dev/null | sed -n '1{s/\x1b\[[0-9;]*m//g;p;}')"

# A stack left up by --keep-running still owns the work dir and the ports.
die_if_running quickstart "stop it with: $0 --stop"
fresh_work_dir .quiver-quickstart QS_WORK_DIR "$WORK/classpath" "$WORK/landed"
trap_exits on_exit

# ------------------------------------------------------------------ build

if [ "$SKIP_BUILD" = 1 ]; then
  say "Skipping the build (QS_SKIP_BUILD=1)"
else
  say "Building the Quiver plugin (mvn -DskipTests package; the first run downloads dependencies)"
  mvn -B -q -DskipTests package >"$LOGS/build.log" 2>&1 \
    || { tail -n 40 "$LOGS/build.log" >&2; die "the build failed; full output in $LOGS/build.log"; }
fi
unpack_plugin
info "plugin: $ZIP -> $WORK/plugins/"

say "Resolving the runtime classpaths (quickstart/pom.xml)"
resolve_classpaths "$REPO/target/quickstart-classpath"
# A copy in the work dir, for the command --keep-running suggests.
for profile in kafka s3proxy report; do
  cp "$REPO/target/quickstart-classpath/$profile.classpath" "$WORK/classpath/$profile.classpath"
done
T_BUILT=$SECONDS

pick_ports

# ------------------------------------------------------------------ S3 (s3proxy)

say "Starting the local S3 server (s3proxy) on $S3_ENDPOINT"
start_s3proxy 256m

# ------------------------------------------------------------------ Kafka (KRaft, combined broker + controller)

say "Starting Kafka (KRaft broker+controller) on $BOOTSTRAP"
start_kafka 256m 512m

make_bucket
info "bucket s3://$BUCKET ready ($S3_ENDPOINT, access key $S3_ACCESS_KEY, secret $S3_SECRET_KEY)"
wait_for_kafka

# ------------------------------------------------------------------ Connect worker (distributed)

say "Starting a Kafka Connect worker (distributed mode), REST on $CONNECT_URL"
start_connect connect 1g "${QS_CONNECT_OPTS:-}"

say "Creating topic $TOPIC (3 partitions)"
create_topic "$TOPIC" 3 "$LOGS/topic-create.log"

# ------------------------------------------------------------------ demo events

say "Producing $EVENTS schema'd JSON events to $TOPIC"
# One line per event: <key>TAB<JsonConverter envelope {"schema":..,"payload":..}>
awk -v n="$EVENTS" -v expected="$WORK/expected-stats.txt" 'BEGIN {
  schema = "{\"type\":\"struct\",\"name\":\"quickstart.Event\",\"optional\":false,\"fields\":[" \
    "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false}," \
    "{\"field\":\"user\",\"type\":\"string\",\"optional\":false}," \
    "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false}," \
    "{\"field\":\"ok\",\"type\":\"boolean\",\"optional\":false}," \
    "{\"field\":\"ts\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"optional\":false}," \
    "{\"field\":\"device\",\"type\":\"struct\",\"optional\":false,\"fields\":[" \
      "{\"field\":\"os\",\"type\":\"string\",\"optional\":false}," \
      "{\"field\":\"version\",\"type\":\"int32\",\"optional\":false}]}," \
    "{\"field\":\"coupon\",\"type\":\"string\",\"optional\":true}]}"
  split("linux macos windows android ios", os, " ")
  for (i = 1; i <= n; i++) {
    user = sprintf("user-%03d", (i * 7919) % 250)
    amount = sprintf("%.2f", ((i * 104729) % 100000) / 100.0)
    ok = (i % 10 == 0) ? "false" : "true"
    ts = 1767225600000 + i * 250
    coupon = (i % 4 == 0) ? sprintf("\"SAVE%d\"", (i % 5 + 1) * 5) : "null"
    # %.0f, not %d: some awks (mawk) clamp %d to 32 bits
    printf "%s\t{\"schema\":%s,\"payload\":{\"id\":%.0f,\"user\":\"%s\",\"amount\":%s,\"ok\":%s,\"ts\":%.0f," \
           "\"device\":{\"os\":\"%s\",\"version\":%d},\"coupon\":%s}}\n",
           user, schema, i, user, amount, ok, ts, os[i % 5 + 1], 10 + i % 7, coupon
    nulls += (coupon == "null"); oks += (ok == "true"); sum += amount
  }
  # What the landed data must add up to (the report prints the same columns from the Parquet files).
  printf "min_id=1 max_id=%d null_coupons=%d ok_true=%d sum_amount=%.2f min_ts_ms=%.0f max_ts_ms=%.0f\n", \
    n, nulls, oks, sum, 1767225600000 + 250, 1767225600000 + n * 250 > expected
}' >"$WORK/events.tsv"
kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
  --reader-property parse.key=true --command-property acks=all --command-property linger.ms=20 \
  <"$WORK/events.tsv" >"$LOGS/producer.log" 2>&1 \
  || { tail -n 40 "$LOGS/producer.log" >&2; die "producing the demo events failed"; }
IN_TOPIC="$(topic_records "$TOPIC" "$LOGS/producer.log")"
[ "$IN_TOPIC" = "$EVENTS" ] || die "the topic holds $IN_TOPIC records, expected $EVENTS; see $LOGS/producer.log"
info "$IN_TOPIC events in $TOPIC (sample: $WORK/events.tsv)"

wait_for_worker connect 120
info "worker up; plugin dev.quiver.QuiverSinkConnector loaded"

# ------------------------------------------------------------------ register the connector

say "Registering connector $CONNECTOR (config/quiver-quickstart.json)"
sed -e "s|\"s3.endpoint\": *\"[^\"]*\"|\"s3.endpoint\": \"$S3_ENDPOINT\"|" \
    -e "s|\"s3.access.key\": *\"[^\"]*\"|\"s3.access.key\": \"$S3_ACCESS_KEY\"|" \
    -e "s|\"s3.secret.key\": *\"[^\"]*\"|\"s3.secret.key\": \"$S3_SECRET_KEY\"|" \
    -e "s|\"store.url\": *\"[^\"]*\"|\"store.url\": \"s3a://$BUCKET/$PREFIX\"|" \
    -e "s|\"topics\": *\"[^\"]*\"|\"topics\": \"$TOPIC\"|" \
    config/quiver-quickstart.json >"$WORK/quiver-quickstart.json"
T_REGISTER_MS="$(now_ms)"
HTTP_CODE="$(curl -sS -o "$WORK/register-response.json" -w '%{http_code}' -X PUT \
  -H 'Content-Type: application/json' --data @"$WORK/quiver-quickstart.json" \
  "$CONNECT_URL/connectors/$CONNECTOR/config")"
case "$HTTP_CODE" in
  200|201) info "PUT $CONNECT_URL/connectors/$CONNECTOR/config -> HTTP $HTTP_CODE" ;;
  *) cat "$WORK/register-response.json" >&2; echo >&2
     die "registering the connector failed (HTTP $HTTP_CODE); see $LOGS/connect.log" ;;
esac

# ------------------------------------------------------------------ wait for the data, report

say "Waiting until all $EVENTS events have landed in s3://$BUCKET/$PREFIX/ (timeout ${TIMEOUT_S}s)"
set +e
report_tool wait-report --prefix "$PREFIX/" --download-dir "$WORK/landed" --expect "$EVENTS" \
  --timeout-s "$TIMEOUT_S" --start-ms "$T_REGISTER_MS" --landed-file "$WORK/landed-at-ms" \
  --expected-stats-file "$WORK/expected-stats.txt" \
  --status-url "$CONNECT_URL/connectors/$CONNECTOR/status" --worker-log "$LOGS/connect.log"
RC=$?
set -e
[ "$RC" = 0 ] || die "the data did not land as expected (report tool exit $RC); worker log: $LOGS/connect.log"

LANDED_MS="$(cat "$WORK/landed-at-ms")"
awk -v n="$EVENTS" -v ms="$(( LANDED_MS - T_REGISTER_MS ))" -v wall="$(( SECONDS - T_START ))" \
    -v build="$(( T_BUILT - T_START ))" 'BEGIN {
  printf "\n== Timing\n"
  printf "  %d events landed %.1f s after the connector was registered: ~%.0f records/s\n", n, ms / 1000, n / (ms / 1000)
  printf "  (includes task start-up and flush.interval.ms=5000, so this is a floor, not a benchmark)\n"
  printf "  quickstart wall time: %d s (of which build + classpaths: %d s)\n", wall, build
}'
if grep -qE ' (ERROR|FATAL) ' "$LOGS/connect.log"; then
  echo
  info "note: the worker log has ERROR lines: grep -E ' (ERROR|FATAL) ' $LOGS/connect.log"
fi
SUCCEEDED=1

echo
if [ "$KEEP_RUNNING" = 1 ]; then
  say "The stack is still running (--keep-running)"
  info "Kafka:        $BOOTSTRAP   (topic $TOPIC)"
  info "Connect REST: $CONNECT_URL   e.g. curl $CONNECT_URL/connectors/$CONNECTOR/status"
  info "S3:           $S3_ENDPOINT   bucket $BUCKET, access key $S3_ACCESS_KEY, secret $S3_SECRET_KEY"
  info "              objects are plain files under $WORK/s3-data/$BUCKET/"
  info "Produce more: java -Dlog4j2.configurationFile=$REPO/quickstart/log4j2-tools.properties \\"
  info "                -cp \"\$(cat $WORK/classpath/kafka.classpath)\" org.apache.kafka.tools.ConsoleProducer \\"
  info "                --bootstrap-server $BOOTSTRAP --topic $TOPIC --reader-property parse.key=true < $WORK/events.tsv"
  info "Stop it with: $0 --stop"
else
  say "Done. Re-run with --keep-running to explore the running stack."
fi
