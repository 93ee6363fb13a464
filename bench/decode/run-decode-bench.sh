#!/usr/bin/env bash
# Decode benchmark (issue 6): raw JSON / Protobuf decoded straight into Arrow against JsonConverter -> Struct -> append.
#
#   bench/decode/run-decode-bench.sh                 # short settings for a 2-core box (about 2.5 minutes)
#   bench/decode/run-decode-bench.sh -i 5 -r 10s     # any JMH option; they replace the defaults below
#   SKIP_INSTALL=1 bench/decode/run-decode-bench.sh  # reuse the installed connector jar
#   MVN_ARGS=-o bench/decode/run-decode-bench.sh     # offline Maven
#
# Needs the connector with value.format=protobuf (ProtobufDecoder, protobuf-java) installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mvn_args=(-B -q ${MVN_ARGS:-})

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  echo ">> installing quiver-kafka-connect (tests skipped)"
  (cd "$repo" && mvn "${mvn_args[@]}" install -DskipTests)
fi
echo ">> building the decode benchmarks jar"
(cd "$here" && mvn "${mvn_args[@]}" package)

jmh_args=("$@")
if [[ ${#jmh_args[@]} -eq 0 ]]; then
  # One invocation decodes a million records; scores are records/s.
  jmh_args=(-f 1 -wi 2 -w 3s -i 3 -r 5s)
fi
echo ">> running JMH: ${jmh_args[*]}"
exec java -Xmx2g -jar "$here/target/quiver-decode-benchmarks.jar" "${jmh_args[@]}" -jvmArgs -Xmx2g
