#!/usr/bin/env bash
# Writer benchmark (issue 7): Quiver's Arrow -> Parquet encoder against parquet-avro, snappy and zstd.
#
#   bench/run-writer-bench.sh                 # short settings for a 2-core box (about 10 minutes)
#   bench/run-writer-bench.sh -p codec=zstd   # any JMH option; they replace the defaults below
#   SKIP_INSTALL=1 bench/run-writer-bench.sh  # reuse the installed connector jar
#   MVN_ARGS=-o bench/run-writer-bench.sh     # offline Maven
#
# Prints rows/s, output MB/s, Arrow-input MB/s and Quiver/parquet-avro per codec at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
mvn_args=(-B -q ${MVN_ARGS:-})

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  echo ">> installing quiver-kafka-connect (tests skipped)"
  (cd "$repo" && mvn "${mvn_args[@]}" install -DskipTests)
fi
echo ">> building the benchmarks jar"
(cd "$here" && mvn "${mvn_args[@]}" package)

jmh_args=("$@")
if [[ ${#jmh_args[@]} -eq 0 ]]; then
  # One fork per benchmark; single-shot iterations, each writing one file of a million rows (0.5-7 s): 3 to warm up,
  # 8 measured. The report takes the median, which a busy shared box skews less than the mean.
  jmh_args=(-f 1 -bm ss -tu ns -wi 3 -i 8)
fi
echo ">> running JMH: ${jmh_args[*]}"
exec java -Xmx1g -cp "$here/target/quiver-benchmarks.jar" dev.quiver.bench.WriterBenchReport "${jmh_args[@]}"
