#!/usr/bin/env bash
# Submits nncompress to a Spark cluster with spark-submit.
#
#   deploy/spark-submit.sh [SPARK-SUBMIT OPTIONS] [--] COMMAND [NNCOMPRESS ARGS]
#
#   deploy/spark-submit.sh --master yarn --deploy-mode cluster --conf spark.executor.memory=8g \
#     autocorr --dataset hdfs:///data/acts --columns fc1,fc2 --output hdfs:///data/stats
#
# Everything before COMMAND (autocorr, generate-example, demo, bench, compress, help) or before
# `--` goes to spark-submit as given (--master, --deploy-mode, --conf K=V, --name, --queue,
# --driver-memory, ...); everything after it goes to nncompress. Arguments are passed on as they
# are: nothing is evaluated, split or expanded again, so paths and values are data.
#
#   SPARK_HOME           spark-submit is $SPARK_HOME/bin/spark-submit (else the one on PATH)
#   OPENBLAS_CORETYPE    when set (e.g. SkylakeX, Haswell: bin/openblas-coretype prints the one for a
#                        machine), passed to the driver and the executors as
#                        spark.executorEnv / spark.yarn.appMasterEnv / spark.kubernetes.driverEnv, unless
#                        those are given: OpenBLAS then uses these kernels instead of choosing by CPU
#                        model (a CPU newer than the library gets its slow generic ones). Set it only
#                        if every node supports that instruction set.
#   NNCOMPRESS_APP_JAR   the application jar (default: the one `mvn -DskipTests package` builds,
#                        spark-jobs/target/nncompress-spark-jobs-*-app.jar, or one beside this script)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

die() {
  echo "nncompress spark-submit: $*" >&2
  exit 2
}

find_jar() {
  if [ -n "${NNCOMPRESS_APP_JAR:-}" ]; then
    [ -f "$NNCOMPRESS_APP_JAR" ] || die "NNCOMPRESS_APP_JAR=$NNCOMPRESS_APP_JAR is not a file"
    printf '%s\n' "$NNCOMPRESS_APP_JAR"
    return
  fi
  local found=() f
  for f in "$ROOT"/spark-jobs/target/nncompress-spark-jobs-*-app.jar "$HERE"/nncompress-app.jar; do
    [ -f "$f" ] && found+=("$f")
  done
  [ "${#found[@]}" -ge 1 ] || die "no application jar: build it with 'mvn -B -DskipTests package' or set NNCOMPRESS_APP_JAR"
  [ "${#found[@]}" -eq 1 ] || die "several application jars (${found[*]}); set NNCOMPRESS_APP_JAR to one"
  printf '%s\n' "${found[0]}"
}

# spark-submit options that take a value; any other --option is taken to be a flag (--verbose, --supervise)
VALUE_OPTS=" --master --deploy-mode --conf -c --name --class --jars --packages --exclude-packages --repositories
  --files --archives --py-files --properties-file --driver-memory --driver-java-options --driver-library-path
  --driver-class-path --driver-cores --executor-memory --executor-cores --num-executors --total-executor-cores
  --queue --principal --keytab --proxy-user "
COMMANDS=" autocorr generate-example demo bench compress help "

SPARK_ARGS=()
HAS_NAME=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --)
      shift
      break
      ;;
    --class)
      die "--class is always io.nncompress.cli.Main"
      ;;
    -*)
      if [[ "$VALUE_OPTS" == *" ${1%%=*} "* ]] && [[ "$1" != *=* ]]; then
        [ "$#" -ge 2 ] || die "$1 needs a value"
        [ "$1" = "--name" ] && HAS_NAME=1
        SPARK_ARGS+=("$1" "$2")
        shift 2
      else
        [[ "$1" == --name=* ]] && HAS_NAME=1
        SPARK_ARGS+=("$1")
        shift
      fi
      ;;
    *)
      [[ "$COMMANDS" == *" $1 "* ]] || die "unknown command '$1'; expected one of:$COMMANDS(or -- before it)"
      break
      ;;
  esac
done
[ "$#" -ge 1 ] || die "no nncompress command given, e.g. autocorr --help"

if [ -n "${SPARK_HOME:-}" ]; then
  SUBMIT="$SPARK_HOME/bin/spark-submit"
  [ -x "$SUBMIT" ] || die "SPARK_HOME=$SPARK_HOME has no bin/spark-submit"
else
  SUBMIT="$(command -v spark-submit || true)"
  [ -n "$SUBMIT" ] || die "spark-submit not found: set SPARK_HOME or put it on PATH"
fi

JAR="$(find_jar)"
[ "$HAS_NAME" -eq 1 ] || SPARK_ARGS+=(--name "nncompress $1")
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  for key in spark.executorEnv spark.yarn.appMasterEnv spark.kubernetes.driverEnv; do
    case " ${SPARK_ARGS[*]} " in
      *" $key.OPENBLAS_CORETYPE="*) ;;
      *) SPARK_ARGS+=(--conf "$key.OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE") ;;
    esac
  done
fi

exec "$SUBMIT" --class io.nncompress.cli.Main "${SPARK_ARGS[@]}" "$JAR" "$@"
