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
STARTED=0        # set once we own processes that must be stopped on exit
SUCCEEDED=0

if [ -t 1 ]; then BOLD=$'\033[1m'; RED=$'\033[1;31m'; PLAIN=$'\033[0m'; else BOLD=; RED=; PLAIN=; fi
say()  { printf '%s==> [%3ds] %s%s\n' "$BOLD" "$SECONDS" "$*" "$PLAIN"; }
info() { printf '           %s\n' "$*"; }
die()  { printf '\n%sERROR:%s %s\n' "$RED" "$PLAIN" "$*" >&2; exit 1; }

now_ms() {
  local t
  t="$(date +%s%3N 2>/dev/null || true)"
  case "$t" in ''|*[!0-9]*) echo $(( $(date +%s) * 1000 )) ;; *) echo "$t" ;; esac
}

# ------------------------------------------------------------------ process management

is_alive() { kill -0 "$1" 2>/dev/null; }

# start_proc NAME CMD... : run CMD in the background, in its own session/process group when setsid exists,
# stdout+stderr to $LOGS/NAME.log; records "NAME PID" in $PIDS.
start_proc() {
  local name="$1"; shift
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null 7>&- 8>&- &
  else
    "$@" >"$LOGS/$name.log" 2>&1 </dev/null 7>&- 8>&- &
  fi
  local pid=$!
  echo "$name $pid" >>"$PIDS"
  STARTED=1
  info "$name started (pid $pid), log: $LOGS/$name.log"
}

stop_pid() {
  local name="$1" pid="$2" i
  is_alive "$pid" || return 0
  # The process group (setsid made the process its leader); fall back to the process itself.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do is_alive "$pid" || { info "stopped $name (pid $pid)"; return 0; }; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  info "killed $name (pid $pid) after 30 s"
}

stop_all() {
  [ -f "$PIDS" ] || return 0
  local lines=() line name pid i
  # Reverse start order: the Connect worker first (so its tasks close cleanly), then Kafka, then S3.
  while read -r line; do lines+=("$line"); done <"$PIDS"   # (no mapfile: macOS ships bash 3.2)
  for (( i=${#lines[@]}-1; i>=0; i-- )); do
    read -r name pid <<<"${lines[$i]}"
    stop_pid "$name" "$pid"
  done
  rm -f "$PIDS"
}

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

# ------------------------------------------------------------------ ports and readiness

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {   # free_port WANTED -> WANTED or the next free port above it
  local p="$1"
  while port_in_use "$p"; do p=$((p + 1)); [ "$p" -lt $(( $1 + 100 )) ] || die "no free port in $1..$p"; done
  echo "$p"
}

# wait_until DESCRIPTION TIMEOUT_S PROCESS_NAME CHECK_CMD... : poll CHECK_CMD every 0.5 s; fail early if the
# process died, with the end of its log.
wait_until() {
  local what="$1" timeout="$2" name="$3"; shift 3
  local pid deadline
  pid="$(awk -v n="$name" '$1 == n { print $2 }' "$PIDS" | tail -1)"
  deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! is_alive "$pid"; then
      echo "--- last lines of $LOGS/$name.log:" >&2; tail -n 40 "$LOGS/$name.log" >&2
      die "$name exited before $what"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "--- last lines of $LOGS/$name.log:" >&2; tail -n 40 "$LOGS/$name.log" >&2
      die "timed out after ${timeout}s waiting for $what"
    fi
    sleep 0.5
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1"; }

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
info "java $JAVA_VERSION, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"

# A stack left up by --keep-running still owns the work dir and the ports.
if [ -f "$PIDS" ]; then
  while read -r name pid; do
    is_alive "$pid" && die "a previous quickstart is still running ($name, pid $pid); stop it with: $0 --stop"
  done <"$PIDS"
fi
if [ -e "$WORK" ]; then
  [ -f "$WORK/.quiver-quickstart" ] || die "$WORK exists and was not made by this script; remove it or set QS_WORK_DIR"
  rm -rf "$WORK"
fi
mkdir -p "$LOGS" "$WORK/plugins" "$WORK/classpath" "$WORK/kafka-data" "$WORK/s3-data" "$WORK/landed"
touch "$WORK/.quiver-quickstart"
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# ------------------------------------------------------------------ build

if [ "$SKIP_BUILD" = 1 ]; then
  say "Skipping the build (QS_SKIP_BUILD=1)"
else
  say "Building the Quiver plugin (mvn -DskipTests package; the first run downloads dependencies)"
  mvn -B -q -DskipTests package >"$LOGS/build.log" 2>&1 \
    || { tail -n 40 "$LOGS/build.log" >&2; die "the build failed; full output in $LOGS/build.log"; }
fi
# shellcheck disable=SC2012  # newest zip first; names are ours
ZIP="$(ls -t target/components/packages/*.zip 2>/dev/null | head -1 || true)"
[ -n "$ZIP" ] || die "no plugin zip in target/components/packages/ (did the build run?)"
unzip -q "$ZIP" -d "$WORK/plugins"
info "plugin: $ZIP -> $WORK/plugins/"

say "Resolving the runtime classpaths (quickstart/pom.xml)"
# Cached in target/ across runs; re-resolved when quickstart/pom.xml changes or a jar is missing from ~/.m2.
CP_CACHE="$REPO/target/quickstart-classpath"
mkdir -p "$CP_CACHE"
cached_cp_ok() {
  local f="$1" jar
  [ -s "$f" ] && [ "$f" -nt quickstart/pom.xml ] || return 1
  while read -r jar; do [ -f "$jar" ] || return 1; done < <(tr ':' '\n' <"$f")
}
for profile in kafka s3proxy report; do
  if ! cached_cp_ok "$CP_CACHE/$profile.classpath"; then
    mvn -B -q -f quickstart/pom.xml -P"$profile" dependency:build-classpath \
        -Dmdep.outputFile="$CP_CACHE/$profile.classpath" >>"$LOGS/build.log" 2>&1 \
      || { tail -n 40 "$LOGS/build.log" >&2; die "resolving the $profile classpath failed; see $LOGS/build.log"; }
  fi
  cp "$CP_CACHE/$profile.classpath" "$WORK/classpath/$profile.classpath"
done
KAFKA_CP="$(cat "$WORK/classpath/kafka.classpath")"
S3PROXY_CP="$(cat "$WORK/classpath/s3proxy.classpath")"
REPORT_CP="$(cat "$WORK/classpath/report.classpath")"
T_BUILT=$SECONDS

LOG4J="-Dlog4j2.configurationFile=$REPO/quickstart/log4j2.properties"
kafka_tool() { java -Xmx256m "-Dlog4j2.configurationFile=$REPO/quickstart/log4j2-tools.properties" -cp "$KAFKA_CP" "$@"; }
report_tool() { java -cp "$REPORT_CP" "$REPO/quickstart/QuickstartReport.java" "$@" \
  --endpoint "$S3_ENDPOINT" --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" --bucket "$BUCKET"; }

# ------------------------------------------------------------------ ports

pick_port() {   # pick_port VAR: replace a busy port by the next free one, and say so
  local var="$1" want="${!1}" got
  got="$(free_port "$want")"
  [ "$got" = "$want" ] || info "port $want is busy; using $got for $var"
  printf -v "$var" '%s' "$got"
}
pick_port KAFKA_PORT
[ "$CONTROLLER_PORT" != "$KAFKA_PORT" ] || CONTROLLER_PORT=$((KAFKA_PORT + 1))
pick_port CONTROLLER_PORT
pick_port S3_PORT
pick_port CONNECT_PORT
S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

# ------------------------------------------------------------------ S3 (s3proxy)

say "Starting the local S3 server (s3proxy) on $S3_ENDPOINT"
cat >"$WORK/s3proxy.conf" <<EOF
s3proxy.endpoint=$S3_ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
# Objects are plain files under this directory: <basedir>/<bucket>/<key>
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3-data
EOF
start_proc s3proxy java -Xmx256m "$LOG4J" -cp "$S3PROXY_CP" org.gaul.s3proxy.Main --properties "$WORK/s3proxy.conf"

# ------------------------------------------------------------------ Kafka (KRaft, combined broker + controller)

say "Starting Kafka (KRaft broker+controller) on $BOOTSTRAP"
cat >"$WORK/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$WORK/kafka-data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
CLUSTER_ID="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")" \
  || { cat "$LOGS/kafka-format.log" >&2; die "kafka.tools.StorageTool random-uuid failed"; }
kafka_tool kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$WORK/server.properties" >>"$LOGS/kafka-format.log" 2>&1 \
  || { cat "$LOGS/kafka-format.log" >&2; die "formatting the Kafka storage failed"; }
start_proc kafka java -Xms256m -Xmx512m "$LOG4J" -cp "$KAFKA_CP" kafka.Kafka "$WORK/server.properties"

wait_until "s3proxy to listen on $S3_PORT" 60 s3proxy port_in_use "$S3_PORT"
report_tool make-bucket >"$LOGS/make-bucket.log" 2>&1 \
  || { cat "$LOGS/make-bucket.log" >&2; die "creating bucket $BUCKET on $S3_ENDPOINT failed"; }
info "bucket s3://$BUCKET ready ($S3_ENDPOINT, access key $S3_ACCESS_KEY, secret $S3_SECRET_KEY)"

wait_until "Kafka to listen on $KAFKA_PORT" 90 kafka port_in_use "$KAFKA_PORT"
wait_until "Kafka to finish starting" 90 kafka grep -q "Kafka Server started" "$LOGS/kafka.log"

# ------------------------------------------------------------------ Connect worker (distributed)

say "Starting a Kafka Connect worker (distributed mode), REST on $CONNECT_URL"
{
  cat config/connect-distributed.properties
  echo
  echo "# ---- overrides written by quickstart.sh ----"
  echo "bootstrap.servers=$BOOTSTRAP"
  echo "listeners=http://127.0.0.1:$CONNECT_PORT"
  echo "rest.advertised.host.name=127.0.0.1"
  echo "rest.advertised.port=$CONNECT_PORT"
  echo "plugin.path=$WORK/plugins"
} >"$WORK/connect-distributed.properties"
# shellcheck disable=SC2086  # QS_CONNECT_OPTS is a list of JVM options
start_proc connect java -Xms256m -Xmx1g ${QS_CONNECT_OPTS:-} "$LOG4J" -cp "$KAFKA_CP" \
  org.apache.kafka.connect.cli.ConnectDistributed "$WORK/connect-distributed.properties"

say "Creating topic $TOPIC (3 partitions)"
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
  --topic "$TOPIC" --partitions 3 --replication-factor 1 >"$LOGS/topic-create.log" 2>&1 \
  || { cat "$LOGS/topic-create.log" >&2; die "creating topic $TOPIC failed"; }

# ------------------------------------------------------------------ demo events

say "Producing $EVENTS schema'd JSON events to $TOPIC"
# One line per event: <key>TAB<JsonConverter envelope {"schema":..,"payload":..}>
awk -v n="$EVENTS" -v expected="$WORK/expected-stats.txt" 'BEGIN {
  schema = "{\"type\":\"struct\",\"name\":\"quickstart.Event\",\"optional\":false,\"fields\":[" \
    "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false}," \
    "{\"field\":\"user\",\"type\":\"string\",\"optional\":false}," \
    "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false}," \
    "{\"field\":\"ok\",\"type\":\"boolean\",\"optional\":false}," \
    "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":false}," \
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
  printf "min_id=1 max_id=%d null_coupons=%d ok_true=%d sum_amount=%.2f\n", n, nulls, oks, sum > expected
}' >"$WORK/events.tsv"
kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
  --reader-property parse.key=true --command-property acks=all --command-property linger.ms=20 \
  <"$WORK/events.tsv" >"$LOGS/producer.log" 2>&1 \
  || { tail -n 40 "$LOGS/producer.log" >&2; die "producing the demo events failed"; }
IN_TOPIC="$(kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
  2>>"$LOGS/producer.log" | awk -F: '{ s += $NF } END { print s + 0 }')"
[ "$IN_TOPIC" = "$EVENTS" ] || die "the topic holds $IN_TOPIC records, expected $EVENTS; see $LOGS/producer.log"
info "$IN_TOPIC events in $TOPIC (sample: $WORK/events.tsv)"

wait_until "the Connect REST API at $CONNECT_URL" 120 connect http_ok "$CONNECT_URL/connectors"
# Read the whole answer first: with pipefail, grep -q closing the pipe early could fail curl and this check.
PLUGINS="$(curl -fsS "$CONNECT_URL/connector-plugins" || true)"
[[ "$PLUGINS" == *dev.quiver.QuiverSinkConnector* ]] \
  || die "the Connect worker did not load dev.quiver.QuiverSinkConnector from $WORK/plugins; see $LOGS/connect.log"
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
