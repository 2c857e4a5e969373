#!/usr/bin/env bash
# Executes every notebook here headlessly (as "Run all" would), writing the executed copies to
# notebooks/target/. Fails if any cell fails. Run setup-kernel.sh once first.
#
# rapaio-jupyter-kernel 3.0.1 has a start-up race: its shell channel can take the first
# kernel_info_request before its handlers are registered, and the shell thread dies of a
# NullPointerException (seen here in about 1 start in 6); the kernel then never answers. So a
# start that does not answer within 30 s is retried, up to 3 times; a failing cell is not retried.
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p target
status=0
for nb in *.ipynb; do
  log="target/${nb%.ipynb}.log"
  for attempt in 1 2 3; do
    t0=$(date +%s%N)
    jupyter nbconvert --to notebook --execute "$nb" --output-dir target \
      --ExecutePreprocessor.kernel_name=java \
      --ExecutePreprocessor.startup_timeout=30 --ExecutePreprocessor.timeout=1800 >"$log" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ $rc -eq 0 ]; then
      echo "$nb executed in $ms ms (attempt $attempt)"
      break
    fi
    if grep -q "Kernel didn't respond" "$log" && [ $attempt -lt 3 ]; then
      echo "$nb: the kernel did not start (attempt $attempt, $ms ms), retrying"
      continue
    fi
    echo "$nb FAILED after $ms ms; log: notebooks/$log" >&2
    grep -v -e 'frozen modules' -e 'debugger' -e 'PYDEVD' -e 'Debugging will' "$log" | tail -30 >&2
    status=1
    break
  done
done
exit $status
