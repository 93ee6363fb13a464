# shellcheck shell=bash
# The local stack shared by quickstart.sh and bench/e2e.sh: a KRaft broker, the s3proxy S3 server and Kafka Connect
# workers, each a separate process on 127.0.0.1, with the helpers that start them, wait for them and stop them.
# Sourced, not run. Keep it bash 3.2 clean (no mapfile, no associative arrays): quickstart.sh runs on macOS too.
#
# The sourcing script runs under set -euo pipefail from the repository root and defines first:
#   say, info, die                its message style (die prints and exits 1)
#   REPO                          the repository root
#   WORK, LOGS, PIDS              its work dir, the log dir in it, and the file of "NAME PID" lines it started
#   STACK_SCRIPT                  its path from the repository root, named in the configs it writes
#   LOG4J                         the -Dlog4j2.configurationFile=... option of the long-running processes
#   TOOL_HEAP                     the -Xmx of the short-lived Kafka tools, e.g. 256m
#   KAFKA_PORT CONTROLLER_PORT S3_PORT CONNECT_PORT   the ports it wants (pick_ports replaces busy ones)
#   BUCKET S3_ACCESS_KEY S3_SECRET_KEY
# Sourcing sets TOOLS_LOG4J (the tools' log4j option) and STARTED=0; the helpers set STARTED=1 once the script owns a
# process that must be stopped, LAST_PID (the process started last), KAFKA_CP, S3PROXY_CP and REPORT_CP
# (resolve_classpaths), ZIP (unpack_plugin), and S3_ENDPOINT, CONNECT_URL and BOOTSTRAP (pick_ports).

STARTED=0
LAST_PID=
TOOLS_LOG4J="-Dlog4j2.configurationFile=$REPO/quickstart/log4j2-tools.properties"

now_ms() {
  local t
  # %3N is GNU date; BSD date prints it literally, so fall back to whole seconds.
  t="$(date +%s%3N 2>/dev/null || true)"
  case "$t" in ''|*[!0-9]*) echo $(( $(date +%s) * 1000 )) ;; *) echo "$t" ;; esac
}

# ------------------------------------------------------------------ the work dir and exits

# die_if_running WHAT [HINT]: refuse to start over a stack a previous run left up; it still owns the dir and the ports.
die_if_running() {
  local what="$1" hint="${2:-}" name pid
  [ -f "$PIDS" ] || return 0
  while read -r name pid; do
    is_alive "$pid" && die "a previous $what is still running ($name, pid $pid)${hint:+; $hint}"
  done <"$PIDS"
  return 0
}

# fresh_work_dir MARKER SETTING [DIR...]: empty $WORK and make $LOGS, the stack's own dirs and DIR...; a $WORK
# without the MARKER file is not ours to delete, so stop and name the SETTING that moves it.
fresh_work_dir() {
  local marker="$1" setting="$2"; shift 2
  if [ -e "$WORK" ]; then
    [ -f "$WORK/$marker" ] || die "$WORK exists and was not made by this script; remove it or set $setting"
    rm -rf "$WORK"
  fi
  mkdir -p "$LOGS" "$WORK/plugins" "$WORK/kafka-data" "$WORK/s3-data" "$@"
  touch "$WORK/$marker"
}

# trap_exits HANDLER: run HANDLER on exit, and turn Ctrl-C, TERM, HUP and a closed output pipe into exits with the
# usual codes, so that HANDLER sees them and stops what the run started.
trap_exits() {
  # shellcheck disable=SC2064  # the handler's name, expanded now on purpose
  trap "$1" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  trap 'exit 141' PIPE
}

# ------------------------------------------------------------------ process management

is_alive() { kill -0 "$1" 2>/dev/null; }

# start_proc NAME CMD... : run CMD in the background, in its own session/process group when setsid exists,
# stdout+stderr to $LOGS/NAME.log; records "NAME PID" in $PIDS. Descriptors 7 and 8 (where quickstart.sh keeps the
# terminal) are closed in it: a process left running must not hold the caller's output open.
start_proc() {
  local name="$1"; shift
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null 7>&- 8>&- &
  else
    "$@" >"$LOGS/$name.log" 2>&1 </dev/null 7>&- 8>&- &
  fi
  local pid=$!
  echo "$name $pid" >>"$PIDS"
  # shellcheck disable=SC2034  # read by the sourcing script
  STARTED=1 LAST_PID=$pid
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

# ------------------------------------------------------------------ ports and readiness

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {   # free_port WANTED -> WANTED or the next free port above it
  local p="$1"
  while port_in_use "$p"; do p=$((p + 1)); [ "$p" -lt $(( $1 + 100 )) ] || die "no free port in $1..$p"; done
  echo "$p"
}

pick_port() {   # pick_port VAR: replace a busy port by the next free one, and say so
  local var="$1" want="${!1}" got
  got="$(free_port "$want")"
  [ "$got" = "$want" ] || info "port $want is busy; using $got for $var"
  printf -v "$var" '%s' "$got"
}

# pick_ports: free ports for the whole stack, and the addresses made of them.
pick_ports() {
  pick_port KAFKA_PORT
  [ "$CONTROLLER_PORT" != "$KAFKA_PORT" ] || CONTROLLER_PORT=$((KAFKA_PORT + 1))
  pick_port CONTROLLER_PORT
  pick_port S3_PORT
  pick_port CONNECT_PORT
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"
  BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
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

# ------------------------------------------------------------------ plugin and classpaths

# unpack_plugin: the newest plugin zip the build left (ZIP), unzipped into $WORK/plugins.
unpack_plugin() {
  local f
  ZIP=
  # The newest by mtime (ties: the first name), as ls -t | head -1 chose, without a pipe that pipefail could fail.
  for f in target/components/packages/*.zip; do
    [ -f "$f" ] || continue
    if [ -z "$ZIP" ] || [ "$f" -nt "$ZIP" ]; then ZIP="$f"; fi
  done
  [ -n "$ZIP" ] || die "no plugin zip in target/components/packages/ (did the build run?)"
  unzip -q "$ZIP" -d "$WORK/plugins"
}

# resolve_classpaths CACHE_DIR: KAFKA_CP, S3PROXY_CP and REPORT_CP from the profiles of quickstart/pom.xml, cached
# in CACHE_DIR/<profile>.classpath across runs; re-resolved when the pom changes or a jar is missing from ~/.m2.
resolve_classpaths() {
  local cache="$1" profile
  mkdir -p "$cache"
  for profile in kafka s3proxy report; do
    if ! cached_cp_ok "$cache/$profile.classpath"; then
      mvn -B -q -f "$REPO/quickstart/pom.xml" -P"$profile" dependency:build-classpath \
          -Dmdep.outputFile="$cache/$profile.classpath" >>"$LOGS/build.log" 2>&1 \
        || { tail -n 40 "$LOGS/build.log" >&2; die "resolving the $profile classpath failed; see $LOGS/build.log"; }
    fi
  done
  KAFKA_CP="$(cat "$cache/kafka.classpath")"
  S3PROXY_CP="$(cat "$cache/s3proxy.classpath")"
  REPORT_CP="$(cat "$cache/report.classpath")"
}

cached_cp_ok() {
  local f="$1" jar
  [ -s "$f" ] && [ "$f" -nt "$REPO/quickstart/pom.xml" ] || return 1
  while read -r jar; do [ -f "$jar" ] || return 1; done < <(tr ':' '\n' <"$f")
}

kafka_tool() { java "-Xmx$TOOL_HEAP" "$TOOLS_LOG4J" -cp "$KAFKA_CP" "$@"; }
report_tool() { java -cp "$REPORT_CP" "$REPO/quickstart/QuickstartReport.java" "$@" \
  --endpoint "$S3_ENDPOINT" --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" --bucket "$BUCKET"; }

# ------------------------------------------------------------------ S3, Kafka, Connect

# start_s3proxy HEAP: s3proxy on $S3_ENDPOINT, storing objects as plain files under $WORK/s3-data.
start_s3proxy() {
  cat >"$WORK/s3proxy.conf" <<EOF
s3proxy.endpoint=$S3_ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
# Objects are plain files under this directory: <basedir>/<bucket>/<key>
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3-data
EOF
  start_proc s3proxy java "-Xmx$1" "$LOG4J" -cp "$S3PROXY_CP" org.gaul.s3proxy.Main --properties "$WORK/s3proxy.conf"
}

# make_bucket: wait for s3proxy to listen, then create $BUCKET.
make_bucket() {
  wait_until "s3proxy to listen on $S3_PORT" 60 s3proxy port_in_use "$S3_PORT"
  report_tool make-bucket >"$LOGS/make-bucket.log" 2>&1 \
    || { cat "$LOGS/make-bucket.log" >&2; die "creating bucket $BUCKET on $S3_ENDPOINT failed"; }
}

# start_kafka XMS XMX [PROPERTY=VALUE...]: format $WORK/kafka-data and start one combined KRaft broker+controller,
# with the given server properties added to the single-node ones.
start_kafka() {
  local xms="$1" xmx="$2" cluster_id; shift 2
  {
    cat <<EOF
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
    [ "$#" = 0 ] || printf '%s\n' "$@"
  } >"$WORK/server.properties"
  cluster_id="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")" \
    || { cat "$LOGS/kafka-format.log" >&2; die "kafka.tools.StorageTool random-uuid failed"; }
  kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$WORK/server.properties" \
      >>"$LOGS/kafka-format.log" 2>&1 \
    || { cat "$LOGS/kafka-format.log" >&2; die "formatting the Kafka storage failed"; }
  start_proc kafka java "-Xms$xms" "-Xmx$xmx" "$LOG4J" -cp "$KAFKA_CP" kafka.Kafka "$WORK/server.properties"
}

wait_for_kafka() {
  wait_until "Kafka to listen on $KAFKA_PORT" 90 kafka port_in_use "$KAFKA_PORT"
  wait_until "Kafka to finish starting" 90 kafka grep -q "Kafka Server started" "$LOGS/kafka.log"
}

# create_topic TOPIC PARTITIONS LOG_FILE
create_topic() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1 >>"$3" 2>&1 \
    || { cat "$3" >&2; die "creating topic $1 failed"; }
}

# topic_records TOPIC LOG_FILE: how many records TOPIC holds (the sum of its partitions' end offsets).
topic_records() {
  kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOTSTRAP" --topic "$1" 2>>"$2" \
    | awk -F: '{ s += $NF } END { print s + 0 }'
}

# start_connect NAME HEAP JVM_OPTS [PROPERTY=VALUE...]: a distributed Connect worker on $CONNECT_URL with Quiver on
# its plugin.path, configured by config/connect-distributed.properties plus this stack's addresses and PROPERTY....
start_connect() {
  local name="$1" heap="$2" opts="$3"; shift 3
  {
    cat "$REPO/config/connect-distributed.properties"
    echo
    echo "# ---- overrides written by $STACK_SCRIPT ----"
    echo "bootstrap.servers=$BOOTSTRAP"
    echo "listeners=http://127.0.0.1:$CONNECT_PORT"
    echo "rest.advertised.host.name=127.0.0.1"
    echo "rest.advertised.port=$CONNECT_PORT"
    echo "plugin.path=$WORK/plugins"
    [ "$#" = 0 ] || printf '%s\n' "$@"
  } >"$WORK/connect-distributed.properties"
  # shellcheck disable=SC2086  # JVM_OPTS is a list of JVM options
  start_proc "$name" java -Xms256m "-Xmx$heap" $opts "$LOG4J" -cp "$KAFKA_CP" \
    org.apache.kafka.connect.cli.ConnectDistributed "$WORK/connect-distributed.properties"
}

# wait_for_worker NAME TIMEOUT_S: the worker NAME answers on $CONNECT_URL and has loaded Quiver.
wait_for_worker() {
  wait_until "the Connect REST API at $CONNECT_URL" "$2" "$1" http_ok "$CONNECT_URL/connectors"
  wait_until "the Connect worker to load dev.quiver.QuiverSinkConnector from $WORK/plugins" 60 "$1" quiver_loaded
}

quiver_loaded() {
  local plugins
  # Read the whole answer first: with pipefail, grep -q closing the pipe early could fail curl and this check.
  plugins="$(curl -fsS --max-time 3 "$CONNECT_URL/connector-plugins")" || return 1
  [[ "$plugins" == *dev.quiver.QuiverSinkConnector* ]]
}
