#!/usr/bin/env bash
# Build the Nimbus JOSE+JWT driver into one runnable jar, target/nimbus-driver.jar, with
# Maven from pom.xml (every version pinned, plugins included). Downloads go to Maven's local
# repository (~/.m2/repository), which later builds reuse; with it warm, `mvn -o` builds
# offline. Safe to run again: it rebuilds in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in java mvn; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: $tool is needed (a JDK 17 or later and Maven 3)" >&2; exit 1; }
done
cd "$here"
mvn -B -q --no-transfer-progress package
echo "build.sh: built $here/target/nimbus-driver.jar ($(java -version 2>&1 | head -1))"
