#!/usr/bin/env bash
# Compiles nncompress and writes the Jupyter kernelspec "nncompress" under notebooks/target/jupyter (never in
# your home): rapaio-jupyter-kernel from Maven Central, with nncompress' classes and runtime dependencies on its
# classpath and Spark's JVM flags. This is the step `mvn test` runs before it executes the notebooks.
# Needs Java 17+, Maven, and for Jupyter itself Debian's jupyter-nbconvert (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl notebooks -am compile
echo "kernelspec: notebooks/target/jupyter/kernels/nncompress/kernel.json"
echo "open the notebooks with:  JUPYTER_PATH=$PWD/notebooks/target/jupyter jupyter notebook notebooks/"
