#!/usr/bin/env bash
# Assembles a real Apache Kafka broker (KRaft mode) for the tests from Maven Central, once, into a
# cache directory, and prints that directory: `java -cp "$dir/libs/*" kafka.Kafka server.properties`.
# No Kafka broker exists in npm or in Debian, and Docker does not run on our machines; Java 17 and
# Maven do. Kafka 3.9 is the last line that still speaks the old protocol versions kafkajs 2.2.4
# uses (Kafka 4.0 removed them) and it runs without ZooKeeper.
#
# Idempotent and safe to run from several processes at once (a lock serialises the download).
# LIGHTNING_CACHE_DIR overrides the cache root (default ~/.cache/lightning).
set -euo pipefail

version=3.9.1
root="${LIGHTNING_CACHE_DIR:-$HOME/.cache/lightning}"
dir="$root/kafka-$version"
mkdir -p "$dir"

if [ ! -f "$dir/libs/.complete" ]; then
  for tool in java mvn; do
    command -v "$tool" >/dev/null || { echo "kafka-broker-libs: $tool is not installed" >&2; exit 1; }
  done
  exec 9>"$dir/.lock"
  flock 9
  if [ ! -f "$dir/libs/.complete" ]; then
    rm -rf "$dir/libs" "$dir/pom.xml"
    # A POM that only gathers jars: the broker and a logging binding for its slf4j 1.7 API.
    cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>lightning.test</groupId><artifactId>kafka-broker-libs</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies></project>
POM
    (cd "$dir" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=libs >&2)
    cat >"$dir/log4j.properties" <<'LOG'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
LOG
    touch "$dir/libs/.complete"
  fi
fi
echo "$dir"
