#!/usr/bin/env bash
# Resolves the Kafka broker (KRaft) and its logging binding from Maven Central into
# $PLATFORM_HOME/kafka-<version>/libs (idempotent); it runs on the installed JDK.
COMPONENT=kafka
. "$(dirname "$0")/../lib/common.sh"

home="$PLATFORM_HOME/kafka-$KAFKA_VERSION"
installed_version() {
  [ -f "$home/libs/kafka_2.13-$KAFKA_VERSION.jar" ] || return 0
  java -cp "$home/libs/*" kafka.Kafka --version 2>/dev/null | sed -n '1s/^\([0-9][0-9.]*\).*/\1/p' || true
}
if [ "$(installed_version)" = "$KAFKA_VERSION" ]; then
  log "kafka $KAFKA_VERSION already installed"
  exit 0
fi
need_cmd java
need_cmd mvn
log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central"
rm -rf "$home.tmp"
mvn -q -B --strict-checksums -Dstyle.color=never -f "$(dirname "$0")/pom.xml" \
  -Dmaven.repo.local="$PLATFORM_CACHE/m2" \
  -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$KAFKA_SLF4J_VERSION" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home.tmp/libs"
rm -rf "$home" && mv "$home.tmp" "$home"
[ "$(installed_version)" = "$KAFKA_VERSION" ] || die "kafka reports '$(installed_version)', expected $KAFKA_VERSION"
log "installed kafka $KAFKA_VERSION ($(ls "$home/libs" | wc -l) jars)"
