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
#      timing connector creation -> all N rows landed in the bucket, and verifying N rows with N distinct
#      (partition, offset);
#   4. prints the table (records/s, MB/s, ratio to the raw consumer, worker peak RSS, worker CPU) and a JFR profile
#      of the worker recorded during the direct-json tasks.max=1 run (the issue's goal: that path >= 0.5x raw).
# Everything it started is stopped on exit; logs, configs and results stay in the work dir.
#
#   bench/e2e.sh                          # about 10 minutes on a busy 2-core machine (build included)
#   E2E_EVENTS=200000 bench/e2e.sh        # a quick smoke run
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
GOAL_RATIO=0.5

ENVELOPE_TOPIC=e2e-envelope
PLAIN_TOPIC=e2e-plain
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

say "Resolving runtime classpaths (quickstart/pom.xml profiles kafka, s3proxy, report)"
resolve_classpaths "$REPO/target/e2e-classpath"

javac -nowarn -d "$WORK/classes" -cp "$KAFKA_CP" "$HERE/e2e/E2eProduce.java" >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" -cp "$REPORT_CP" "$HERE/e2e/E2eLanding.java" >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" "$HERE/e2e/JfrTop.java" >>"$LOGS/build.log" 2>&1 \
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

say "Creating topics $ENVELOPE_TOPIC and $PLAIN_TOPIC ($PARTITIONS partitions each)"
for t in "$ENVELOPE_TOPIC" "$PLAIN_TOPIC"; do
  create_topic "$t" "$PARTITIONS" "$LOGS/topics.log"
done

say "Producing $EVENTS events to each topic (compression.type=$PRODUCER_COMPRESSION)"
java -Xmx1g "$TOOLS_LOG4J" -cp "$WORK/classes:$KAFKA_CP" E2eProduce --bootstrap "$BOOTSTRAP" --events "$EVENTS" \
  --plain-topic "$PLAIN_TOPIC" --envelope-topic "$ENVELOPE_TOPIC" --compression "$PRODUCER_COMPRESSION" \
  >"$LOGS/produce.log" 2>&1 || { tail -n 40 "$LOGS/produce.log" >&2; die "producing failed"; }
sed 's/^/            /' "$LOGS/produce.log"
kv() { tr ' ' '\n' <"$1" | awk -F= -v t="$2" -v k="$3" '$1 == "topic" { cur = $2 } cur == t && $1 == k { print $2 }'; }
declare -A AVG_BYTES
for t in "$ENVELOPE_TOPIC" "$PLAIN_TOPIC"; do
  AVG_BYTES[$t]="$(kv "$LOGS/produce.log" "$t" avg.record.bytes)"
  n="$(topic_records "$t" "$LOGS/topics.log")"
  [ "$n" = "$EVENTS" ] || die "topic $t holds $n records, expected $EVENTS"
done
info "sample plain event:    $(head -c 400 < <(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$BOOTSTRAP" --topic "$PLAIN_TOPIC" --partition 0 --offset 0 --max-messages 1 \
  --timeout-ms 20000 2>/dev/null))"
du -sh "$WORK/kafka-data/$ENVELOPE_TOPIC-0" "$WORK/kafka-data/$PLAIN_TOPIC-0" 2>/dev/null | sed 's/^/            partition 0 on disk: /'

# ------------------------------------------------------------------ raw consumer throughput

declare -A RAW_RPS RAW_MBS RAW_CPU
say "Raw consumer throughput (org.apache.kafka.tools.ConsumerPerformance, one consumer, best of 2)"
for t in "$ENVELOPE_TOPIC" "$PLAIN_TOPIC"; do
  best=0
  for rep in 1 2; do
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
    if awk -v a="$fetch_rps" -v b="$best" 'BEGIN { exit !(a > b) }'; then
      best="$fetch_rps"; RAW_RPS[$t]="$fetch_rps"; RAW_MBS[$t]="$fetch_mbs"; RAW_CPU[$t]="$cpu"
    fi
  done
done

# ------------------------------------------------------------------ Connect worker, one fresh worker per run

WORKER_PID=
start_worker() {   # start_worker RUN_NAME
  local run="$1"
  start_connect "connect-$run" "$CONNECT_HEAP" "$CONNECT_OPTS" group.id=quiver-e2e \
    config.storage.topic=quiver-e2e-configs offset.storage.topic=quiver-e2e-offsets \
    status.storage.topic=quiver-e2e-status
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
  [ "$path" = json-converter ] && topic=$ENVELOPE_TOPIC || topic=$PLAIN_TOPIC
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
  for t in "$ENVELOPE_TOPIC" "$PLAIN_TOPIC"; do
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
    "${AVG_BYTES[$PLAIN_TOPIC]} B/record plain, ${AVG_BYTES[$ENVELOPE_TOPIC]} B/record envelope)"
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
