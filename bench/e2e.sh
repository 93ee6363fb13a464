#!/usr/bin/env bash
# End-to-end benchmark (issue 7, part 2): Quiver on the real stack, against the raw consumer throughput of the topic.
#
# One run builds the plugin zip, starts a KRaft broker, the s3proxy S3 server and (per measurement) a fresh Connect
# worker in distributed mode, all as separate processes on 127.0.0.1, then:
#   1. creates two 8-partition topics and produces the same N JSON events (~300 bytes, 11 fields) to each:
#      e2e-envelope (JsonConverter envelopes, schemas.enable=true) and e2e-plain (the bare JSON objects);
#   2. measures the raw consumer throughput of each topic with org.apache.kafka.tools.ConsumerPerformance (best of 2);
#   3. lands each topic with Quiver, tasks.max=1 and 2, through
#        json-converter  value.converter=JsonConverter, schemas.enable=true   (topic e2e-envelope)
#        direct-json     value.converter=ByteArrayConverter, value.format=json (topic e2e-plain), schema inferred
#        direct-json-schema  the same with value.json.schema.file: the streaming decoder straight into Arrow
#        direct-json-schema-sync  the same with flush.threads=0: encode and upload on the task thread, for the
#                                 pipelined-against-synchronous comparison (E2E_PATHS="direct-json-schema direct-json-schema-sync")
#        avro            value.converter=ByteArrayConverter, value.format=avro with value.avro.schema.file (topic
#                        e2e-avro: the same events as plain Avro binary, written by org.apache.avro; E2E_PATHS=avro)
#      (only the topics the chosen paths read are produced and measured)
#      timing connector creation -> all N rows landed in the bucket, and verifying N rows with N distinct
#      (partition, offset);
#   4. prints the table (records/s, MB/s, ratio to the raw consumer, worker peak RSS, worker CPU) and a JFR profile
#      of the worker recorded during the direct-json tasks.max=1 run (the issue's goal: that path >= 0.5x raw).
# Everything it started is stopped on exit; logs, configs and results stay in the work dir.
#
#   bench/e2e.sh                          # about 10 minutes on a busy 2-core machine (build included)
#   E2E_EVENTS=200000 bench/e2e.sh        # a quick smoke run
#   E2E_MODE=steady E2E_EVENTS=10000000 bench/e2e.sh   # issue 13: Quiver against FileStreamSink and the raw consumer
#
# Steady-state mode (E2E_MODE=steady, issue 13) uses only the plain topic and, in one run, measures:
#   - the raw consumer (ConsumerPerformance, median of 3 by fetch.nMsg.sec);
#   - Kafka's FileStreamSink (org.apache.kafka:connect-file, from Maven Central, on the worker's plugin.path),
#     JsonConverter (schemas.enable=false) -> text lines in a local file, with 1 task and with Quiver's task count;
#   - Quiver on the same topic for each path in E2E_STEADY_PATHS (direct-json by default) with E2E_STEADY_TASKS tasks.
#   Every sink is followed the same way, through the offsets its consumer group commits (bench/e2e/E2eProgress.java;
#   the worker commits every E2E_OFFSET_FLUSH_MS): whole run = connector created -> the commit that covers N records;
#   steady state = first commit -> that last commit. Worker CPU (utime+stime from /proc) is read at each commit, so
#   both windows have records per CPU-second. Time to the first landed file: from the worker log's last "Sink task
#   finished initialization and start" line to its first "Landed file" line (log timestamps, so a poller that starts
#   late on a busy machine does not skew it). Quiver's rows are verified with DuckDB, FileStreamSink's by counting lines.
#
# Environment overrides (defaults in brackets); a busy port is replaced by the next free one:
#   E2E_WORK_DIR [target/e2e]   E2E_EVENTS [2000000]   E2E_PARTITIONS [8]   E2E_TASKS ["1 2"]
#   E2E_PATHS ["json-converter direct-json direct-json-schema"]   E2E_TIMEOUT_S [1800] per landing run
#   E2E_FLUSH_MAX_RECORDS [250000]   E2E_FLUSH_INTERVAL_MS [10000]   E2E_FLUSH_MAX_BYTES [134217728]
#   E2E_PARQUET_COMPRESSION [snappy]   E2E_PRODUCER_COMPRESSION [none]   (how the topics are stored)
#   E2E_DIRECT_CONVERTER [org.apache.kafka.connect.converters.ByteArrayConverter] (or ...storage.StringConverter)
#   E2E_CONNECT_HEAP [2g]   E2E_CONNECT_OPTS (extra worker JVM options)
#   E2E_PROFILE [1]: record JFR (settings=profile, ~1-3% overhead) in the worker during the direct-json tasks.max=1
#                run and summarise it with bench/e2e/JfrTop.java; 0 = no profile
#   E2E_SKIP_BUILD=1 reuse target/components/packages/*.zip
#   E2E_MODE [compare]: compare (the runs above) or steady (issue 13, see above)
#   E2E_STEADY_TASKS [2]  E2E_STEADY_PATHS [direct-json]  E2E_OFFSET_FLUSH_MS [2000]  E2E_CONNECT_FILE_VERSION [4.3.1]
#   E2E_STEADY_BASELINES [1]: 0 skips FileStreamSink (for trying Quiver settings; no ratios then)
#   E2E_QUIVER_EXTRA (extra "key": "value" pairs, comma-terminated, added to Quiver's connector config)
#   E2E_KAFKA_PORT [29092]  E2E_CONTROLLER_PORT [29093]  E2E_S3_PORT [29000]  E2E_CONNECT_PORT [28083]
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  '') ;;
  *) echo "unknown option: $1 (try --help; settings are E2E_* environment variables)" >&2; exit 64 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
cd "$REPO"

WORK="${E2E_WORK_DIR:-$REPO/target/e2e}"
case "$WORK" in /*) ;; *) WORK="$REPO/$WORK" ;; esac
EVENTS="${E2E_EVENTS:-2000000}"
PARTITIONS="${E2E_PARTITIONS:-8}"
TASKS_LIST="${E2E_TASKS:-1 2}"
PATHS_LIST="${E2E_PATHS:-json-converter direct-json direct-json-schema}"
TIMEOUT_S="${E2E_TIMEOUT_S:-1800}"
FLUSH_MAX_RECORDS="${E2E_FLUSH_MAX_RECORDS:-250000}"
FLUSH_INTERVAL_MS="${E2E_FLUSH_INTERVAL_MS:-10000}"
FLUSH_MAX_BYTES="${E2E_FLUSH_MAX_BYTES:-134217728}"
PARQUET_COMPRESSION="${E2E_PARQUET_COMPRESSION:-snappy}"
PRODUCER_COMPRESSION="${E2E_PRODUCER_COMPRESSION:-none}"
DIRECT_CONVERTER="${E2E_DIRECT_CONVERTER:-org.apache.kafka.connect.converters.ByteArrayConverter}"
CONNECT_HEAP="${E2E_CONNECT_HEAP:-2g}"
CONNECT_OPTS="${E2E_CONNECT_OPTS:-}"
PROFILE="${E2E_PROFILE:-1}"
SKIP_BUILD="${E2E_SKIP_BUILD:-0}"
KAFKA_PORT="${E2E_KAFKA_PORT:-29092}"
CONTROLLER_PORT="${E2E_CONTROLLER_PORT:-29093}"
S3_PORT="${E2E_S3_PORT:-29000}"
CONNECT_PORT="${E2E_CONNECT_PORT:-28083}"
MODE="${E2E_MODE:-compare}"
STEADY_TASKS="${E2E_STEADY_TASKS:-2}"
STEADY_PATHS="${E2E_STEADY_PATHS:-direct-json}"
OFFSET_FLUSH_MS="${E2E_OFFSET_FLUSH_MS:-2000}"
CONNECT_FILE_VERSION="${E2E_CONNECT_FILE_VERSION:-4.3.1}"
QUIVER_EXTRA="${E2E_QUIVER_EXTRA:-}"
case "$MODE" in compare|steady) ;; *) echo "E2E_MODE must be compare or steady, not $MODE" >&2; exit 64 ;; esac
GOAL_RATIO=0.5

ENVELOPE_TOPIC=e2e-envelope
PLAIN_TOPIC=e2e-plain
AVRO_TOPIC=e2e-avro
BUCKET=bench
S3_ACCESS_KEY=quiver-bench
S3_SECRET_KEY=quiver-bench-secret

LOGS="$WORK/logs"
PIDS="$WORK/pids"
RESULTS="$WORK/results.tsv"
STACK_SCRIPT=bench/e2e.sh
LOG4J="-Dlog4j2.configurationFile=$HERE/e2e/log4j2.properties"
TOOL_HEAP=512m

say()  { printf '==> [%4ds] %s\n' "$SECONDS" "$*"; }
info() { printf '            %s\n' "$*"; }
die()  { printf '\nERROR: %s\n' "$*" >&2; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Processes, ports and the stack's configs: shared with quickstart.sh.
# shellcheck source=quickstart/stack-lib.sh
. "$REPO/quickstart/stack-lib.sh"

# ------------------------------------------------------------------ processes

stop_named() {   # stop_named NAME: stop the processes of that name, drop them from $PIDS
  local name="$1" n pid
  [ -f "$PIDS" ] || return 0
  while read -r n pid; do [ "$n" = "$name" ] && stop_pid "$n" "$pid"; done <"$PIDS"
  awk -v n="$name" '$1 != n' "$PIDS" >"$PIDS.tmp" && mv "$PIDS.tmp" "$PIDS"
}

on_exit() {
  local rc=$?
  set +e
  trap - EXIT
  trap '' INT TERM HUP PIPE
  if [ "$STARTED" = 1 ]; then echo; say "Stopping the processes this run started"; stop_all; fi
  echo
  if [ "$rc" = 0 ]; then info "Logs and results: $WORK"; else echo "e2e benchmark FAILED (exit $rc). Logs: $LOGS" >&2; fi
  exit "$rc"
}

# ------------------------------------------------------------------ set up

SECONDS=0
for tool in java javac jcmd mvn curl unzip awk setsid; do command -v "$tool" >/dev/null || die "$tool not found"; done
die_if_running "e2e run"
fresh_work_dir .quiver-e2e E2E_WORK_DIR "$WORK/classes" "$WORK/jfr"
trap_exits on_exit

say "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), \
$(java -version 2>&1 | sed -n 1p), load average $(loadavg)"

if [ "$SKIP_BUILD" = 1 ]; then
  say "Skipping the build (E2E_SKIP_BUILD=1)"
else
  say "Building the plugin zip (mvn -DskipTests package)"
  mvn -B -q -DskipTests package >"$LOGS/build.log" 2>&1 || { tail -n 40 "$LOGS/build.log" >&2; die "build failed"; }
fi
unpack_plugin
info "plugin: $ZIP"
if [ "$MODE" = steady ]; then
  say "Fetching Kafka's FileStreamSink (org.apache.kafka:connect-file:$CONNECT_FILE_VERSION) onto the plugin.path"
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.apache.kafka:connect-file:$CONNECT_FILE_VERSION" -DoutputDirectory="$WORK/plugins/connect-file" \
      >>"$LOGS/build.log" 2>&1 || { tail -n 40 "$LOGS/build.log" >&2; die "fetching connect-file failed"; }
fi

say "Resolving runtime classpaths (quickstart/pom.xml profiles kafka, s3proxy, report)"
resolve_classpaths "$REPO/target/e2e-classpath"

# The Avro producer uses the avro jar the plugin ships (its Jackson comes with Kafka's classpath).
AVRO_JAR="$(ls "$WORK"/plugins/*/lib/avro-[0-9]*.jar | head -n 1)"
[ -f "$AVRO_JAR" ] || die "no avro jar in the plugin's lib/"
PRODUCE_CP="$KAFKA_CP:$AVRO_JAR"
javac -nowarn -d "$WORK/classes" -cp "$PRODUCE_CP" "$HERE/e2e/E2eProduce.java" >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" -cp "$REPORT_CP" "$HERE/e2e/E2eLanding.java" >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" "$HERE/e2e/JfrTop.java" >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" -cp "$KAFKA_CP" "$HERE/e2e/E2eProgress.java" >>"$LOGS/build.log" 2>&1 \
  || { tail -n 40 "$LOGS/build.log" >&2; die "compiling bench/e2e/*.java failed"; }

pick_ports

# ------------------------------------------------------------------ S3 and Kafka

say "Starting s3proxy on $S3_ENDPOINT (filesystem store: $WORK/s3-data)"
start_s3proxy 512m

say "Starting Kafka (KRaft broker+controller) on $BOOTSTRAP"
start_kafka 1g 1g log.retention.hours=-1 log.segment.bytes=1073741824

make_bucket
wait_for_kafka

# ------------------------------------------------------------------ topics and events

# The same events as an Avro schema, for the avro path: the producer writes it, the connector reads it from the file.
cat >"$WORK/event.avsc" <<'SCHEMA'
{"type": "record", "name": "Event", "namespace": "bench", "fields": [
  {"name": "id", "type": "long"}, {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "user", "type": "string"}, {"name": "session", "type": "string"}, {"name": "event", "type": "string"},
  {"name": "page", "type": "string"}, {"name": "referrer", "type": ["null", "string"]},
  {"name": "amount", "type": "double"}, {"name": "quantity", "type": "long"}, {"name": "ok", "type": "boolean"},
  {"name": "device", "type": {"type": "record", "name": "Device", "fields": [
    {"name": "os", "type": "string"}, {"name": "version", "type": "long"}]}}]}
SCHEMA

# Only the topics the chosen paths read.
TOPICS=
case " $PATHS_LIST " in *" json-converter "*) TOPICS="$ENVELOPE_TOPIC" ;; esac
case " $PATHS_LIST " in *" direct-json"*) TOPICS="$TOPICS $PLAIN_TOPIC" ;; esac
case " $PATHS_LIST " in *" avro "*) TOPICS="$TOPICS $AVRO_TOPIC" ;; esac
[ "$MODE" = steady ] && TOPICS="$PLAIN_TOPIC"
topic_arg() { case " $TOPICS " in *" $2 "*) echo "$1 $2" ;; esac; }
say "Creating topics $TOPICS ($PARTITIONS partitions each)"
for t in $TOPICS; do
  create_topic "$t" "$PARTITIONS" "$LOGS/topics.log"
done

say "Producing $EVENTS events to each topic (compression.type=$PRODUCER_COMPRESSION)"
java -Xmx1g "$TOOLS_LOG4J" -cp "$WORK/classes:$PRODUCE_CP" E2eProduce --bootstrap "$BOOTSTRAP" --events "$EVENTS" \
  $(topic_arg --plain-topic "$PLAIN_TOPIC") $(topic_arg --envelope-topic "$ENVELOPE_TOPIC") \
  $(topic_arg --avro-topic "$AVRO_TOPIC") --avro-schema "$WORK/event.avsc" \
  --compression "$PRODUCER_COMPRESSION" \
  >"$LOGS/produce.log" 2>&1 || { tail -n 40 "$LOGS/produce.log" >&2; die "producing failed"; }
sed 's/^/            /' "$LOGS/produce.log"
kv() { tr ' ' '\n' <"$1" | awk -F= -v t="$2" -v k="$3" '$1 == "topic" { cur = $2 } cur == t && $1 == k { print $2 }'; }
declare -A AVG_BYTES
for t in $TOPICS; do
  AVG_BYTES[$t]="$(kv "$LOGS/produce.log" "$t" avg.record.bytes)"
  n="$(topic_records "$t" "$LOGS/topics.log")"
  [ "$n" = "$EVENTS" ] || die "topic $t holds $n records, expected $EVENTS"
done
case " $TOPICS " in *" $PLAIN_TOPIC "*) info "sample plain event:    $(head -c 400 < <(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$BOOTSTRAP" --topic "$PLAIN_TOPIC" --partition 0 --offset 0 --max-messages 1 \
  --timeout-ms 20000 2>/dev/null))" ;; esac
{ for t in $TOPICS; do du -sh "$WORK/kafka-data/$t-0" 2>/dev/null; done || true; } | sed 's/^/            partition 0 on disk: /'

# ------------------------------------------------------------------ raw consumer throughput

declare -A RAW_RPS RAW_MBS RAW_CPU
REPS="1 2"
[ "$MODE" = steady ] && REPS="1 2 3"
say "Raw consumer throughput (org.apache.kafka.tools.ConsumerPerformance, one consumer, $([ "$MODE" = steady ] && echo 'median of 3' || echo 'best of 2'))"
for t in $TOPICS; do
  best=0
  : >"$LOGS/consumer-perf-$t.all"
  for rep in $REPS; do
    log="$LOGS/consumer-perf-$t-$rep.log"
    TIMEFORMAT='%U %S'
    { time kafka_tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" --topic "$t" \
        --num-records "$EVENTS" --timeout 30000 --group "e2e-perf-$t-$rep" >"$log" 2>&1; } 2>"$log.cpu" \
      || { cat "$log" >&2; die "ConsumerPerformance on $t failed"; }
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
    # fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    line="$(grep -E '^[0-9]{4}-' "$log" | tail -1)"
    read -r n_msg rps fetch_rps fetch_mbs <<<"$(echo "$line" | awk -F', *' '{ print $5, $6, $10, $9 }')"
    cpu="$(awk '{ printf "%.1f", $1 + $2 }' "$log.cpu")"
    info "$t run $rep: $n_msg records; $rps records/s overall (with group join), $fetch_rps records/s fetching" \
         "($fetch_mbs MB/s); client CPU ${cpu}s; load $(loadavg)"
    [ "$n_msg" = "$EVENTS" ] || die "ConsumerPerformance read $n_msg of $EVENTS records from $t; see $log"
    printf '%s %s %s\n' "$fetch_rps" "$fetch_mbs" "$cpu" >>"$LOGS/consumer-perf-$t.all"
    if awk -v a="$fetch_rps" -v b="$best" 'BEGIN { exit !(a > b) }'; then
      best="$fetch_rps"; RAW_RPS[$t]="$fetch_rps"; RAW_MBS[$t]="$fetch_mbs"; RAW_CPU[$t]="$cpu"
    fi
  done
  if [ "$MODE" = steady ]; then   # the median run rather than the best
    read -r r m c <<<"$(sort -g "$LOGS/consumer-perf-$t.all" | sed -n 2p)"
    RAW_RPS[$t]="$r"; RAW_MBS[$t]="$m"; RAW_CPU[$t]="$c"
    info "$t: median $r records/s fetching"
  fi
done

# ------------------------------------------------------------------ Connect worker, one fresh worker per run

WORKER_PID=
start_worker() {   # start_worker RUN_NAME
  local run="$1"
  start_connect "connect-$run" "$CONNECT_HEAP" "$CONNECT_OPTS" group.id=quiver-e2e \
    config.storage.topic=quiver-e2e-configs offset.storage.topic=quiver-e2e-offsets \
    status.storage.topic=quiver-e2e-status offset.flush.interval.ms="$OFFSET_FLUSH_MS"
  WORKER_PID=$LAST_PID
  wait_for_worker "connect-$run" 180
  [ "$(cat "/proc/$WORKER_PID/comm")" = java ] || die "pid $WORKER_PID is not the worker's JVM; cannot read its RSS"
}

proc_cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
HZ="$(getconf CLK_TCK)"

connector_json() {   # connector_json NAME PATH TASKS
  local name="$1" path="$2" tasks="$3" topic value_conf
  if [ "$path" = json-converter ]; then
    topic=$ENVELOPE_TOPIC
    value_conf='"value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "true",
  "value.format": "connect",'
  elif [ "$path" = avro ]; then
    topic=$AVRO_TOPIC
    value_conf="\"value.converter\": \"org.apache.kafka.connect.converters.ByteArrayConverter\",
  \"value.format\": \"avro\",
  \"value.avro.schema.file\": \"$WORK/event.avsc\","
  elif [ "$path" = direct-json-schema ] || [ "$path" = direct-json-schema-sync ]; then
    topic=$PLAIN_TOPIC
    value_conf="\"value.converter\": \"$DIRECT_CONVERTER\",
  \"value.format\": \"json\",
  \"value.json.schema.file\": \"$WORK/event.schema.json\",
  \"flush.threads\": \"$([ "$path" = direct-json-schema-sync ] && echo 0 || echo 2)\","
  else
    topic=$PLAIN_TOPIC
    value_conf="\"value.converter\": \"$DIRECT_CONVERTER\",
  \"value.format\": \"json\","
  fi
  cat <<EOF
{
  "connector.class": "dev.quiver.QuiverSinkConnector",
  "tasks.max": "$tasks",
  "topics": "$topic",
  "store.url": "s3a://$BUCKET/$name",
  "s3.endpoint": "$S3_ENDPOINT",
  "s3.region": "us-east-1",
  "s3.path.style.access": "true",
  "s3.access.key": "$S3_ACCESS_KEY",
  "s3.secret.key": "$S3_SECRET_KEY",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  $value_conf
  "flush.max.records": "$FLUSH_MAX_RECORDS",
  "flush.max.bytes": "$FLUSH_MAX_BYTES",
  "flush.interval.ms": "$FLUSH_INTERVAL_MS",
  "parquet.compression": "$PARQUET_COMPRESSION",
  "errors.tolerance": "none"
}
EOF
}

# run_landing PATH TASKS [jfr]: one measurement (with a JFR recording of the worker if jfr); appends to $RESULTS
run_landing() {
  local path="$1" tasks="$2" jfr="${3:-}" name topic t0 rc landed_ms rps mbs ratio hwm rss cpu0 cpu1 load0 load1
  name="e2e-$path-t$tasks"
  case "$path" in json-converter) topic=$ENVELOPE_TOPIC ;; avro) topic=$AVRO_TOPIC ;; *) topic=$PLAIN_TOPIC ;; esac
  say "Run $name: $path, tasks.max=$tasks, topic $topic${jfr:+ (JFR recording on)}"
  start_worker "$name"
  connector_json "$name" "$path" "$tasks" >"$WORK/$name.json"
  if [ -n "$jfr" ]; then
    jcmd "$WORKER_PID" JFR.start name=e2e settings=profile filename="$WORK/jfr/$name.jfr" >"$LOGS/$name-jfr.log" 2>&1
  fi
  echo 5 >"/proc/$WORKER_PID/clear_refs" 2>/dev/null || true   # reset VmHWM: count this run, not start-up
  load0="$(loadavg)"
  cpu0="$(proc_cpu_ticks "$WORKER_PID")"
  t0="$(now_ms)"
  curl -fsS -o "$LOGS/$name-create.json" -X PUT -H 'Content-Type: application/json' --data @"$WORK/$name.json" \
    "$CONNECT_URL/connectors/$name/config" || die "creating connector $name failed; see $LOGS/connect-$name.log"
  set +e
  java -Xmx512m -cp "$WORK/classes:$REPORT_CP" E2eLanding --dir "$WORK/s3-data/$BUCKET/$name" --expect "$EVENTS" \
    --topic "$topic" --start-ms "$t0" --timeout-s "$TIMEOUT_S" --status-url "$CONNECT_URL/connectors/$name/status" \
    --worker-pid "$WORKER_PID" >"$LOGS/$name-landing.log" 2>&1
  rc=$?
  set -e
  load1="$(loadavg)"
  if [ -n "$jfr" ]; then
    jcmd "$WORKER_PID" JFR.stop name=e2e >>"$LOGS/$name-jfr.log" 2>&1 || true
  fi
  grep -v -E '^(partitions|worker\.)' "$LOGS/$name-landing.log" | sed 's/^/            /'
  [ "$rc" = 0 ] || die "run $name failed (exit $rc); see $LOGS/$name-landing.log and $LOGS/connect-$name.log"
  landing() { awk -F= -v k="$1" '$1 == k { print $2 }' "$LOGS/$name-landing.log"; }
  landed_ms="$(landing landed.ms)"
  cpu1="$(landing worker.cpu.ticks)"   # worker CPU and memory as they were when the last row landed
  hwm="$(landing worker.hwm.kb)"
  rss="$(landing worker.rss.kb)"
  # The worker's own account of the files: encode and upload time summed over every landed file.
  awk '/Landed file/ { n++; for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "encode.ms") e += kv[2];
         if (kv[1] == "upload.ms") u += kv[2]; if (kv[1] == "trigger") tr[kv[2]]++; if (kv[1] == "rows") r += kv[2] } }
       END { printf "            worker log: %d files, %d rows, encode %.1fs, upload %.1fs in total; triggers:", n, r,
         e / 1000, u / 1000; for (k in tr) printf " %s=%d", k, tr[k]; print "" }' "$LOGS/connect-$name.log"
  grep -E ' (ERROR|WARN) ' "$LOGS/connect-$name.log" | grep -v -E 'NetworkClient|UNKNOWN_TOPIC|LEADER_NOT' \
    | sed -n "1,5s/^/            log: /p" || true
  curl -fsS -X DELETE "$CONNECT_URL/connectors/$name" >/dev/null 2>&1 || true
  sleep 2
  stop_named "connect-$name"
  read -r rps mbs ratio <<<"$(awk -v n="$EVENTS" -v ms="$landed_ms" -v b="${AVG_BYTES[$topic]}" -v raw="${RAW_RPS[$topic]}" \
    'BEGIN { r = n / (ms / 1000); printf "%.0f %.1f %.2f", r, r * b / 1048576, r / raw }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$tasks" "$topic" "$landed_ms" "$rps" "$mbs" "$ratio" \
    "$hwm" "$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$HZ" 'BEGIN { printf "%.1f", (b - a) / hz }')" "$load0" "$load1${jfr:+ (JFR on)}" \
    >>"$RESULTS"
  info "=> $rps records/s, $mbs MB/s, ${ratio}x raw consumer; worker peak RSS $((hwm / 1024)) MiB (now $((rss / 1024)) MiB)"
}

# The declared schema of the plain events (JSON Schema), for the direct-json-schema path.
cat >"$WORK/event.schema.json" <<'SCHEMA'
{"type": "object",
 "properties": {
  "id": {"type": "integer"}, "ts": {"type": "integer"}, "user": {"type": "string"},
  "session": {"type": "string"}, "event": {"type": "string"}, "page": {"type": "string"},
  "referrer": {"type": ["string", "null"]}, "amount": {"type": "number"}, "quantity": {"type": "integer"},
  "ok": {"type": "boolean"},
  "device": {"type": "object", "properties": {"os": {"type": "string"}, "version": {"type": "integer"}},
             "required": ["os", "version"]}},
 "required": ["id", "ts", "user", "session", "event", "page", "amount", "quantity", "ok", "device"]}
SCHEMA
# ------------------------------------------------------------------ steady-state mode (issue 13)

filestream_json() {   # filestream_json NAME TASKS: Kafka's FileStreamSink, JsonConverter -> one text line per record
  cat <<EOF
{
  "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
  "tasks.max": "$2",
  "topics": "$PLAIN_TOPIC",
  "file": "$WORK/filestream/$1.txt",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false"
}
EOF
}

# run_steady SINK TASKS [jfr]: SINK is filestream or a Quiver path; appends one line to $STEADY
run_steady() {
  local sink="$1" tasks="$2" jfr="${3:-}" name t0 rc landing_pid= load0 load1 verified first_file=-1 lines task_ms \
    landed_ms
  name="steady-$sink-t$tasks"
  say "Run $name: $sink, tasks.max=$tasks, topic $PLAIN_TOPIC${jfr:+ (JFR recording on)}"
  start_worker "$name"
  if [ "$sink" = filestream ]; then
    mkdir -p "$WORK/filestream"
    filestream_json "$name" "$tasks" >"$WORK/$name.json"
  else
    connector_json "$name" "$sink" "$tasks" | sed "s|^  \"errors.tolerance\"|  $QUIVER_EXTRA\"errors.tolerance\"|" \
      >"$WORK/$name.json"
  fi
  if [ -n "$jfr" ]; then
    jcmd "$WORKER_PID" JFR.start name=e2e settings=profile filename="$WORK/jfr/$name.jfr" >"$LOGS/$name-jfr.log" 2>&1
  fi
  echo 5 >"/proc/$WORKER_PID/clear_refs" 2>/dev/null || true
  load0="$(loadavg)"
  t0="$(now_ms)"
  curl -fsS -o "$LOGS/$name-create.json" -X PUT -H 'Content-Type: application/json' --data @"$WORK/$name.json" \
    "$CONNECT_URL/connectors/$name/config" || die "creating connector $name failed; see $LOGS/connect-$name.log"
  if [ "$sink" != filestream ]; then   # files and their first landing, verified with DuckDB at the end
    java -Xmx512m -cp "$WORK/classes:$REPORT_CP" E2eLanding --dir "$WORK/s3-data/$BUCKET/$name" --expect "$EVENTS" \
      --topic "$PLAIN_TOPIC" --start-ms "$t0" --timeout-s "$TIMEOUT_S" --poll-ms 250 >"$LOGS/$name-landing.log" 2>&1 &
    landing_pid=$!
  fi
  set +e
  java -Xmx256m "$TOOLS_LOG4J" -cp "$WORK/classes:$KAFKA_CP" E2eProgress --bootstrap "$BOOTSTRAP" \
    --group "connect-$name" --topic "$PLAIN_TOPIC" --expect "$EVENTS" --start-ms "$t0" --worker-pid "$WORKER_PID" \
    --timeout-s "$TIMEOUT_S" --status-url "$CONNECT_URL/connectors/$name/status" \
    >"$LOGS/$name-progress.log" 2>"$LOGS/$name-progress.err"
  rc=$?
  set -e
  load1="$(loadavg)"
  if [ -n "$jfr" ]; then jcmd "$WORKER_PID" JFR.stop name=e2e >>"$LOGS/$name-jfr.log" 2>&1 || true; fi
  if [ "$rc" != 0 ]; then
    [ -z "$landing_pid" ] || kill "$landing_pid" 2>/dev/null || true
    tail -n 5 "$LOGS/$name-progress.log" >&2
    die "run $name failed (exit $rc); see $LOGS/$name-progress.log and $LOGS/connect-$name.log"
  fi
  grep -E '^(task.running|first.commit.ms|done.ms|commits)' "$LOGS/$name-progress.log" | tr '\n' ' ' \
    | sed 's/^/            /'; echo
  # Task start and first landed file from the worker's own log lines (their timestamps), not from the pollers,
  # whose JVMs start late on a busy machine: the last task to finish starting, and the first "Landed file" line.
  log_ms() { sed -n 's/^\[\([0-9-]* [0-9:]*\),\([0-9]*\)\].*/\1.\2/p' | { if read -r ts; then date -d "$ts" +%s%3N; fi; }; }
  task_ms="$({ grep 'Sink task finished initialization and start' "$LOGS/connect-$name.log" || true; } | tail -n 1 | log_ms)"
  landed_ms="$({ grep -m 1 'Landed file' "$LOGS/connect-$name.log" || true; } | log_ms)"
  task_ms="$([ -n "$task_ms" ] && echo $((task_ms - t0)) || echo -1)"
  if [ -n "$landing_pid" ]; then
    first_file="$([ -n "$landed_ms" ] && echo $((landed_ms - t0)) || echo -1)"
    info "last task started at $((task_ms / 1000)).$(printf '%03d' $((task_ms % 1000))) s; first file landed at" \
         "$((first_file / 1000)).$(printf '%03d' $((first_file % 1000))) s (worker log)"
    wait "$landing_pid" || { tail -n 20 "$LOGS/$name-landing.log" >&2; die "run $name: landing or verification failed"; }
    grep -E '^(first.file|rows|distinct|files|verified)' "$LOGS/$name-landing.log" | tr '\n' ' ' \
      | sed 's/^/            /'; echo
    verified="$(awk -F= '$1 == "verified" { print $2 }' "$LOGS/$name-landing.log")"
    awk '/Landed file/ { n++; for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "encode.ms") e += kv[2];
           if (kv[1] == "upload.ms") u += kv[2]; if (kv[1] == "trigger") tr[kv[2]]++ } }
         END { printf "            worker log: %d files, encode %.1fs, upload %.1fs in total; triggers:", n, e / 1000,
           u / 1000; for (k in tr) printf " %s=%d", k, tr[k]; print "" }' "$LOGS/connect-$name.log"
  else
    # The commit follows the task's flush, so the file is complete. Tasks append to one file; a write split across
    # two tasks' buffers still keeps every newline, so the newline count is the record count.
    lines="$(wc -l <"$WORK/filestream/$name.txt")"
    verified="$([ "$lines" = "$EVENTS" ] && echo true || echo "false($lines-lines)")"
    info "file: $lines lines, $(du -h "$WORK/filestream/$name.txt" | cut -f1)"
    rm -f "$WORK/filestream/$name.txt"
  fi
  curl -fsS -X DELETE "$CONNECT_URL/connectors/$name" >/dev/null 2>&1 || true
  sleep 1
  stop_named "connect-$name"
  p() { awk -F= -v k="$1" '$1 == k { print $2 }' "$LOGS/$name-progress.log"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sink" "$tasks" "$task_ms" \
    "$(p first.commit.ms)" "$(p first.commit.records)" "$(p done.ms)" "$(p start.cpu.ticks)" \
    "$(p first.commit.cpu.ticks)" "$(p done.cpu.ticks)" "$(p worker.hwm.kb)" "$first_file" "$verified" \
    "$load0" "$load1" "${jfr:+JFR}" >>"$STEADY"
}

# steady_report: the table of every steady-state run, with ratios to FileStreamSink and to the raw consumer
steady_report() {
  local table="$WORK/steady-table.md" b="${AVG_BYTES[$PLAIN_TOPIC]}" raw="${RAW_RPS[$PLAIN_TOPIC]}" fs1 fsq
  fss() { awk -F'\t' -v n="$EVENTS" -v t="$1" '$1 == "filestream" && $2 == t {
    printf "%.0f %.0f", (n - $5) / (($6 - $4) / 1000), n / ($6 / 1000) }' "$STEADY"; }
  fs1="$(fss 1)"
  fsq="$(fss "$STEADY_TASKS")"
  {
    printf 'Raw consumer (ConsumerPerformance, median of 3, fetch.nMsg.sec): %s records/s, %s MB/s, client CPU %s s\n\n' \
      "$raw" "${RAW_MBS[$PLAIN_TOPIC]}" "${RAW_CPU[$PLAIN_TOPIC]}"
    printf '| sink | tasks | task started | first commit | all committed | steady records/s | steady MB/s | whole-run records/s | steady records/CPU-s | whole-run records/CPU-s | first file after task start | steady x FSS 1 task | steady x FSS same tasks | whole x FSS 1 task | steady x raw consumer | worker peak RSS | verified | load (start -> end) |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n'
    awk -F'\t' -v n="$EVENTS" -v b="$b" -v raw="$raw" -v hz="$HZ" -v fs1="$fs1" -v fsq="$fsq" '
      BEGIN { split(fs1, f1, " "); split(fsq, fq, " ") }
      { steady = (n - $5) / (($6 - $4) / 1000); whole = n / ($6 / 1000)
        scpu = ($9 - $8) / hz; wcpu = ($9 - $7) / hz
        ff = ($11 >= 0 && $3 >= 0) ? sprintf("%.1f s", ($11 - $3) / 1000) : "n/a"
        r1 = f1[1] > 0 ? sprintf("%.2f", steady / f1[1]) : ""; rq = fq[1] > 0 ? sprintf("%.2f", steady / fq[1]) : ""
        w1 = f1[2] > 0 ? sprintf("%.2f", whole / f1[2]) : ""
        printf "| %s%s | %s | %.1f s | %.1f s | %.1f s | %.0f | %.1f | %.0f | %.0f | %.0f | %s | %s | %s | %s | %.3f | %d MiB | %s | %s -> %s |\n",
          ($1 == "filestream" ? "FileStreamSink" : "Quiver " $1), ($15 != "" ? " (JFR on)" : ""), $2, $3 / 1000,
          $4 / 1000, $6 / 1000, steady, steady * b / 1048576, whole, (n - $5) / scpu, n / wcpu, ff, r1, rq, w1,
          steady / raw, $10 / 1024, $12, $13, $14 }' "$STEADY"
  } >"$table"
  echo
  say "Steady-state results ($EVENTS events, ${b} B of key+value each, $PARTITIONS partitions; offsets committed every" \
      "${OFFSET_FLUSH_MS} ms; times since the connector was created; steady = first commit -> the commit covering all" \
      "records; CPU = the worker JVM's utime+stime; MB = MiB of key+value)"
  cat "$table"
}

if [ "$MODE" = steady ]; then
  STEADY="$WORK/steady.tsv"
  : >"$STEADY"
  baselines=filestream
  # E2E_STEADY_BASELINES=0 skips FileStreamSink: for trying Quiver settings only; its ratios are then left blank.
  [ "${E2E_STEADY_BASELINES:-1}" = 0 ] && baselines=
  for sink in $baselines $STEADY_PATHS; do
    for tasks in $(printf '1\n%s\n' "$STEADY_TASKS" | sort -un); do
      [ "$sink" != filestream ] && [ "$tasks" != "$STEADY_TASKS" ] && continue
      jfr=
      [ "$PROFILE" = 1 ] && [ "$sink" != filestream ] && jfr=jfr
      run_steady "$sink" "$tasks" "$jfr"
    done
  done
  steady_report
  for f in "$WORK"/jfr/steady-*.jfr; do
    [ -s "$f" ] || continue
    java -cp "$WORK/classes" JfrTop "$f" 25 >"${f%.jfr}.top.txt" 2>&1 || true
    echo; say "JFR profile of the worker ($f)"; sed 's/^/    /' "${f%.jfr}.top.txt"
  done
  say "Done: table in $WORK/steady-table.md, raw rows in $STEADY"
  exit 0
fi

printf 'path\ttasks\ttopic\tlanded_ms\trecords_per_s\tmb_per_s\tratio\tpeak_rss_kb\tworker_cpu_s\tload_start\tload_end\n' >"$RESULTS"
for path in $PATHS_LIST; do
  for tasks in $TASKS_LIST; do
    jfr=
    [ "$PROFILE" = 1 ] && [ "$path" = direct-json ] && [ "$tasks" = 1 ] && jfr=jfr
    run_landing "$path" "$tasks" "$jfr"
  done
done

# ------------------------------------------------------------------ report

TABLE="$WORK/table.md"
{
  printf '| path | tasks.max | landed in | records/s | MB/s | x raw consumer | worker peak RSS | CPU s | records per CPU s | load avg (start -> end) |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n'
  for t in $TOPICS; do
    printf '| raw consumer (%s) | 1 consumer | %.1f s | %.0f | %.1f | 1.00 | | %s (client JVM) | %.0f | |\n' "$t" \
      "$(awk -v n="$EVENTS" -v r="${RAW_RPS[$t]}" 'BEGIN { print n / r }')" "${RAW_RPS[$t]}" "${RAW_MBS[$t]}" \
      "${RAW_CPU[$t]}" "$(awk -v n="$EVENTS" -v c="${RAW_CPU[$t]}" 'BEGIN { print n / c }')"
  done
  tail -n +2 "$RESULTS" | while IFS=$'\t' read -r path tasks topic ms rps mbs ratio hwm cpu l0 l1; do
    printf '| %s | %s | %.1f s | %s | %s | %s | %d MiB | %s (worker) | %.0f | %s -> %s |\n' "$path" "$tasks" \
      "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')" "$rps" "$mbs" "$ratio" $((hwm / 1024)) "$cpu" \
      "$(awk -v n="$EVENTS" -v c="$cpu" 'BEGIN { print n / c }')" "$l0" "$l1"
  done
} >"$TABLE"
echo
say "Results ($EVENTS events, $PARTITIONS partitions; MB = MiB of key+value bytes, as ConsumerPerformance counts:" \
    "$(for t in $TOPICS; do printf '%s B/record %s; ' "${AVG_BYTES[$t]}" "$t"; done))"
cat "$TABLE"

BEST_DIRECT="$(awk -F'\t' '$1 == "direct-json" && $7 > b { b = $7 } END { print b + 0 }' "$RESULTS")"
if grep -q '^direct-json' "$RESULTS"; then
  if awk -v r="$BEST_DIRECT" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }'; then
    echo; info "goal (direct JSON path >= ${GOAL_RATIO}x raw consumer): MET (best ${BEST_DIRECT}x)"
  else
    echo; info "goal (direct JSON path >= ${GOAL_RATIO}x raw consumer): NOT MET (best ${BEST_DIRECT}x)"
  fi
fi

JFR_FILE="$WORK/jfr/e2e-direct-json-t1.jfr"
if [ -s "$JFR_FILE" ]; then
  java -cp "$WORK/classes" JfrTop "$JFR_FILE" 25 >"$WORK/profile-direct-json-t1.txt" 2>&1 || true
  echo; say "JFR profile of the worker during the direct-json tasks.max=1 run ($JFR_FILE)"
  sed 's/^/    /' "$WORK/profile-direct-json-t1.txt"
fi
say "Done: table in $TABLE, raw rows in $RESULTS"
