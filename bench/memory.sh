#!/usr/bin/env bash
# Memory on a real worker (issue 11): Quiver in a Connect worker of its own JVM with a user's heap, on the separate-
# process stack of quickstart/stack-lib.sh (KRaft broker, s3proxy, distributed worker, the plugin zip unzipped into
# plugin.path, the connector created through REST), landing schemaless JSON with partition.by=time in hourly folders
# so that every Kafka partition writes to every folder.
#
# Scenarios (MEM_SCENARIOS, default "a b"):
#   a  200 partitions x 168 hourly folders, 1,000,000 records, worker -Xmx512m
#   b  2,000 partitions x 24 hourly folders, 1,000,000 records, worker -Xmx1g
# Each runs on a fresh topic and a fresh worker with JsonConverter (schemas.enable=false), tasks.max=1,
# buffer.memory.bytes=67108864, flush.interval.ms=60000, and passes only if, at the end:
#   - every produced record landed exactly once: DuckDB's count(*) and count(DISTINCT (_kafka_partition,
#     _kafka_offset)) both equal the records produced (bench/e2e/E2eLanding), and every row sits in the folder of its
#     own hour (the folder's dt/hr against _kafka_timestamp);
#   - the worker log holds no OutOfMemoryError;
#   - the connector's task list is not empty and every task in it is RUNNING.
# It reports the peak heap after GC (from the worker's -Xlog:gc log; also after old-generation collections only, closer
# to the live set), the worker's peak RSS (VmHWM), the file count and the time from connector creation to the last row
# landed.
#
#   bench/memory.sh                    # about 15 minutes on a busy 2-core machine, build included
#   MEM_SCENARIOS=a MEM_SKIP_BUILD=1 bench/memory.sh
#
# Environment overrides (defaults in brackets); a busy port is replaced by the next free one:
#   MEM_WORK_DIR [target/memory]  MEM_SCENARIOS ["a b"]  MEM_EVENTS [1000000]  MEM_TIMEOUT_S [1200] per scenario
#   MEM_BUDGET [67108864] buffer.memory.bytes   MEM_FLUSH_THREADS [2]   MEM_CONNECT_OPTS (extra worker JVM options)
#   MEM_HEAP_A [512m]  MEM_HEAP_B [1g]   MEM_SKIP_BUILD=1 reuse target/components/packages/*.zip
#   MEM_KAFKA_PORT [32092]  MEM_CONTROLLER_PORT [32093]  MEM_S3_PORT [32000]  MEM_CONNECT_PORT [32083]
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  '') ;;
  *) echo "unknown option: $1 (try --help; settings are MEM_* environment variables)" >&2; exit 64 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
cd "$REPO"

WORK="${MEM_WORK_DIR:-$REPO/target/memory}"
case "$WORK" in /*) ;; *) WORK="$REPO/$WORK" ;; esac
SCENARIOS="${MEM_SCENARIOS:-a b}"
EVENTS="${MEM_EVENTS:-1000000}"
TIMEOUT_S="${MEM_TIMEOUT_S:-1200}"
BUDGET="${MEM_BUDGET:-67108864}"
FLUSH_THREADS="${MEM_FLUSH_THREADS:-2}"
CONNECT_OPTS="${MEM_CONNECT_OPTS:-}"
HEAP_A="${MEM_HEAP_A:-512m}"
HEAP_B="${MEM_HEAP_B:-1g}"
SKIP_BUILD="${MEM_SKIP_BUILD:-0}"
KAFKA_PORT="${MEM_KAFKA_PORT:-32092}"
CONTROLLER_PORT="${MEM_CONTROLLER_PORT:-32093}"
S3_PORT="${MEM_S3_PORT:-32000}"
CONNECT_PORT="${MEM_CONNECT_PORT:-32083}"

BUCKET=memory
S3_ACCESS_KEY=quiver-memory
S3_SECRET_KEY=quiver-memory-secret
LOGS="$WORK/logs"
PIDS="$WORK/pids"
RESULTS="$WORK/results.tsv"
STACK_SCRIPT=bench/memory.sh
LOG4J="-Dlog4j2.configurationFile=$HERE/e2e/log4j2.properties"
TOOL_HEAP=512m

say()  { printf '==> [%4ds] %s\n' "$SECONDS" "$*"; }
info() { printf '            %s\n' "$*"; }
die()  { printf '\nERROR: %s\n' "$*" >&2; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# shellcheck source=quickstart/stack-lib.sh
. "$REPO/quickstart/stack-lib.sh"

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
  if [ "$rc" = 0 ]; then info "Logs and results: $WORK"; else echo "memory benchmark FAILED (exit $rc). Logs: $LOGS" >&2; fi
  exit "$rc"
}

SECONDS=0
for tool in java javac mvn curl unzip awk setsid; do command -v "$tool" >/dev/null || die "$tool not found"; done
die_if_running "memory run"
fresh_work_dir .quiver-memory MEM_WORK_DIR "$WORK/classes"
trap_exits on_exit

say "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), \
$(java -version 2>&1 | sed -n 1p), load average $(loadavg)"
if [ "$SKIP_BUILD" = 1 ]; then
  say "Skipping the build (MEM_SKIP_BUILD=1)"
else
  say "Building the plugin zip (mvn -DskipTests package)"
  mvn -B -q -DskipTests package >"$LOGS/build.log" 2>&1 || { tail -n 40 "$LOGS/build.log" >&2; die "build failed"; }
fi
unpack_plugin
info "plugin: $ZIP"
say "Resolving runtime classpaths (quickstart/pom.xml profiles kafka, s3proxy, report)"
resolve_classpaths "$REPO/target/memory-classpath"
javac -nowarn -d "$WORK/classes" -cp "$KAFKA_CP" "$HERE/e2e/E2eProduce.java" "$HERE/memory/MemoryProduce.java" \
    >>"$LOGS/build.log" 2>&1 \
  && javac -nowarn -d "$WORK/classes" -cp "$REPORT_CP" "$HERE/e2e/E2eLanding.java" "$HERE/memory/MemoryCheck.java" \
    >>"$LOGS/build.log" 2>&1 \
  || { tail -n 40 "$LOGS/build.log" >&2; die "compiling the bench helpers failed"; }

pick_ports
say "Starting s3proxy on $S3_ENDPOINT (filesystem store: $WORK/s3-data)"
start_s3proxy 512m
say "Starting Kafka (KRaft broker+controller) on $BOOTSTRAP"
start_kafka 1g 1g log.retention.hours=-1 log.segment.bytes=1073741824
make_bucket
wait_for_kafka

connector_json() {   # connector_json NAME TOPIC
  cat <<JSON
{
  "connector.class": "dev.quiver.QuiverSinkConnector",
  "tasks.max": "1",
  "topics": "$2",
  "store.url": "s3a://$BUCKET/$1",
  "s3.endpoint": "$S3_ENDPOINT",
  "s3.region": "us-east-1",
  "s3.path.style.access": "true",
  "s3.access.key": "$S3_ACCESS_KEY",
  "s3.secret.key": "$S3_SECRET_KEY",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
  "partition.by": "time",
  "buffer.memory.bytes": "$BUDGET",
  "flush.threads": "$FLUSH_THREADS",
  "flush.interval.ms": "60000",
  "errors.tolerance": "none"
}
JSON
}

# peak_heap_after_gc LOG: the largest heap occupancy right after a collection, in MiB, from -Xlog:gc lines such as
# "[12.3s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 301M->122M(512M) 9.1ms".
peak_heap_after_gc() {
  grep -E 'GC\([0-9]+\) Pause' "$1" | sed -nE 's/.* [0-9]+M->([0-9]+)M\([0-9]+M\).*/\1/p' | sort -n | tail -1
}

# peak_heap_after_old_gc LOG: the same, over the pauses that follow a marking cycle or collect old regions (G1's
# Prepare Mixed, Mixed and Full). A young pause leaves the old generation's garbage in place until the next marking, so
# peak_heap_after_gc reads up to the heap's occupancy threshold even when the live set is far smaller; this one is
# closer to the live set.
peak_heap_after_old_gc() {
  grep -E 'GC\([0-9]+\) Pause (Young \((Prepare Mixed|Mixed)\)|Full)' "$1" \
    | sed -nE 's/.* [0-9]+M->([0-9]+)M\([0-9]+M\).*/\1/p' | sort -n | tail -1
}

run_scenario() {   # run_scenario NAME PARTITIONS HOURS HEAP
  local name="$1" partitions="$2" hours="$3" heap="$4" topic="memory-$1" run="memory-$1" pid t0 rc status
  local ooms tasks running heap_mb old_mb hwm files landed_ms load0 load1
  say "Scenario $name: $partitions partitions x $hours hourly folders, $EVENTS records, worker -Xmx$heap," \
      "buffer.memory.bytes=$BUDGET, flush.threads=$FLUSH_THREADS"
  create_topic "$topic" "$partitions" "$LOGS/topics.log"
  java -Xmx1g "$TOOLS_LOG4J" -cp "$WORK/classes:$KAFKA_CP" MemoryProduce --bootstrap "$BOOTSTRAP" --topic "$topic" \
    --events "$EVENTS" --partitions "$partitions" --hours "$hours" >"$LOGS/produce-$name.log" 2>&1 \
    || { tail -n 40 "$LOGS/produce-$name.log" >&2; die "producing to $topic failed"; }
  info "$(cat "$LOGS/produce-$name.log")"
  [ "$(topic_records "$topic" "$LOGS/topics.log")" = "$EVENTS" ] || die "topic $topic does not hold $EVENTS records"

  start_connect "connect-$name" "$heap" "-Xlog:gc:file=$LOGS/gc-$name.log $CONNECT_OPTS" group.id="quiver-$run" \
    config.storage.topic="quiver-$run-configs" offset.storage.topic="quiver-$run-offsets" \
    status.storage.topic="quiver-$run-status" consumer.max.poll.records=2000
  pid=$LAST_PID
  wait_for_worker "connect-$name" 180
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true   # reset VmHWM: count the landing, not start-up
  connector_json "$run" "$topic" >"$WORK/$run.json"
  load0="$(loadavg)"
  t0="$(now_ms)"
  curl -fsS -o "$LOGS/$run-create.json" -X PUT -H 'Content-Type: application/json' --data @"$WORK/$run.json" \
    "$CONNECT_URL/connectors/$run/config" || die "creating connector $run failed; see $LOGS/connect-$name.log"
  set +e
  java -Xmx512m -cp "$WORK/classes:$REPORT_CP" E2eLanding --dir "$WORK/s3-data/$BUCKET/$run" --expect "$EVENTS" \
    --topic "$topic" --start-ms "$t0" --timeout-s "$TIMEOUT_S" --poll-ms 2000 \
    --status-url "$CONNECT_URL/connectors/$run/status" --worker-pid "$pid" >"$LOGS/$run-landing.log" 2>&1
  rc=$?
  set -e
  load1="$(loadavg)"
  grep -v -E '^(partitions|worker\.)' "$LOGS/$run-landing.log" | tail -n 12 | sed 's/^/            /'
  # Let a task that is about to fail say so before its status is read.
  sleep 5
  status="$(curl -fsS --max-time 5 "$CONNECT_URL/connectors/$run/status" || echo '{}')"
  echo "$status" >"$LOGS/$run-status.json"
  tasks="$(grep -o '"id":[0-9]*' <<<"$status" | wc -l)"
  running="$(grep -o '"state":"RUNNING","id":[0-9]*\|"id":[0-9]*,"state":"RUNNING"' <<<"$status" | wc -l)"
  ooms="$(grep -c 'OutOfMemoryError' "$LOGS/connect-$name.log" || true)"
  heap_mb="$(peak_heap_after_gc "$LOGS/gc-$name.log")"
  old_mb="$(peak_heap_after_old_gc "$LOGS/gc-$name.log")"
  hwm="$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status" 2>/dev/null || echo '?')"
  files="$(awk -F= '$1 == "files" { print $2 }' "$LOGS/$run-landing.log")"
  landed_ms="$(awk -F= '$1 == "landed.ms" { print $2 }' "$LOGS/$run-landing.log")"
  info "task status: $status"
  info "OutOfMemoryError lines in the worker log: $ooms; peak heap after GC ${heap_mb:-?} MiB of $heap" \
       "(after old-generation collections ${old_mb:-?} MiB);" \
       "worker peak RSS ${hwm} MiB; load $load0 -> $load1"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$partitions" "$hours" "$heap" \
    "${landed_ms:-}" "${files:-}" "${heap_mb:-}" "${old_mb:-}" "$hwm" "$ooms" "$running/$tasks" "$load0 -> $load1" \
    >>"$RESULTS"
  [ "$rc" = 0 ] || die "scenario $name: the records did not all land once (E2eLanding exit $rc); see" \
    "$LOGS/$run-landing.log and $LOGS/connect-$name.log"
  java -Xmx512m -cp "$WORK/classes:$REPORT_CP" MemoryCheck --dir "$WORK/s3-data/$BUCKET/$run" \
    >"$LOGS/$run-check.log" 2>&1 || { cat "$LOGS/$run-check.log" >&2; die "scenario $name: folder check failed"; }
  sed 's/^/            /' "$LOGS/$run-check.log"
  [ "$ooms" = 0 ] || die "scenario $name: the worker log has $ooms OutOfMemoryError lines"
  [ "$tasks" -gt 0 ] || die "scenario $name: the connector has no tasks: $status"
  [ "$running" = "$tasks" ] || die "scenario $name: not every task is RUNNING: $status"
  curl -fsS -X DELETE "$CONNECT_URL/connectors/$run" >/dev/null 2>&1 || true
  sleep 2
  stop_named "connect-$name"
}

printf 'scenario\tpartitions\thours\theap\tlanded_ms\tfiles\tpeak_heap_after_gc_mb\tpeak_heap_after_old_gc_mb\tpeak_rss_mb\tooms\trunning\tload\n' \
  >"$RESULTS"
for s in $SCENARIOS; do
  case "$s" in
    a) run_scenario a 200 168 "$HEAP_A" ;;
    b) run_scenario b 2000 24 "$HEAP_B" ;;
    *) die "unknown scenario $s (a or b)" ;;
  esac
done
echo
say "Results ($EVENTS records per scenario; a loaded 2-core machine: times are indicative)"
column -t -s $'\t' "$RESULTS" 2>/dev/null || cat "$RESULTS"
