#!/usr/bin/env bash
# Installs the Java Jupyter kernel (rapaio-jupyter-kernel, from Maven Central) as a kernelspec
# named "java", under $JUPYTER_DATA_DIR (default: ~/.local/share/jupyter), and builds the nncompress
# jars the notebooks put on the kernel's classpath.
# Needs: Java 17+, Maven, and Debian's jupyter-nbconvert + python3-nbclient (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
RJK_VERSION=${RJK_VERSION:-3.0.1}
DATA=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}
KDIR="$DATA/kernels/java"
mkdir -p "$KDIR"
mvn -B -q -ntp dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$RJK_VERSION" \
  -DoutputDirectory="$KDIR" -Dmdep.stripVersion=true
JAVA=$(command -v java)
cat > "$KDIR/kernel.json" <<JSON
{
  "argv": ["$JAVA", "-jar", "$KDIR/rapaio-jupyter-kernel.jar", "{connection_file}"],
  "display_name": "Java (rapaio-jupyter-kernel $RJK_VERSION)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"RJK_TIMEOUT_MILLIS": "-1", "RJK_MIMA_CACHE": "$KDIR/mima_cache"}
}
JSON
# the jars a notebook adds with %jars: nncompress-common and its runtime dependencies
mvn -B -q -ntp -pl common -am package -DskipTests
mvn -B -q -ntp -pl common dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory=target/dependency
echo "kernelspec java in $KDIR"
