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
# The kernel runs notebook code in its own JVM (JShell with direct execution), so Spark's JVM flags
# go here: the same --add-opens as bin/nncompress, and the heap of the embedded Spark driver.
OPENS=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
    java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
  OPENS="$OPENS \"--add-opens=java.base/$p=ALL-UNNAMED\","
done
cat > "$KDIR/kernel.json" <<JSON
{
  "argv": ["$JAVA", "-Xmx${NNCOMPRESS_DRIVER_MEMORY:-4g}",$OPENS
    "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.configurationFile=$PWD/conf/log4j2.properties",
    "-jar", "$KDIR/rapaio-jupyter-kernel.jar", "{connection_file}"],
  "display_name": "Java (rapaio-jupyter-kernel $RJK_VERSION)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"RJK_TIMEOUT_MILLIS": "-1", "RJK_MIMA_CACHE": "$KDIR/mima_cache", "SPARK_LOCAL_IP": "127.0.0.1"}
}
JSON
# the jars a notebook adds with %jars: each module's jar in <module>/target/, its runtime
# dependencies in <module>/target/dependency/ (spark-jobs: about 210 jars, 330 MB)
mvn -B -q -ntp -pl spark-jobs -am -DskipTests package dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory=target/dependency
echo "kernelspec java in $KDIR"
