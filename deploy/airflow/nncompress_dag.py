"""Airflow DAG: the nncompress statistics and compression jobs, every day, on a Spark cluster.

Four tasks, all spark-submit through the Spark provider's SparkSubmitOperator (connection
`spark_default`: its host is the master, e.g. yarn or spark://host:7077, its extra can set the
deploy mode and the spark-submit binary):

  validate           `autocorr ... --validate-only`: checks the layer specs and every dataset's
                     schema in seconds; exit 2 names the bad layer, dataset or column. Not retried:
                     a bad config does not heal.
  autocorr           the statistics job (one output per run date).
  validate_compress  `compress --config JOB --statistics <autocorr's output> --validate-only`: checks
                     the job's config, the weights and the layer map against the statistics just
                     written (which is why it runs after autocorr). Not retried.
  compress           the compression job: the layer map of JOB (model.layers) solved from those
                     statistics, written to one output per run date.

autocorr and compress are retried with a growing delay: a lost executor is Spark's business, but a
lost driver, a preempted container or a full cluster fails the task, and the retry starts over
(compress resumes from the layers it had checkpointed). Outputs are written atomically and
`--overwrite` replaces one only once the new one is complete, so a retry, a rerun or a backfill of
the same date is idempotent.

The command line is built by nncompress_command.py (pure Python, tested without Airflow): every
value is one argument, nothing goes through a shell. Configure with the environment variables
below (or edit the constants); the output path is templated with the run's date.

Requires apache-airflow >= 2.4 and apache-airflow-providers-apache-spark.
"""

import os
import sys
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nncompress_command import (MAIN_CLASS, autocorr_args, compress_args,  # noqa: E402
                                example_compress_params, example_params)

# the application jar (deploy/docker puts it at this path; on YARN, a path on HDFS or local:)
APP_JAR = os.environ.get("NNCOMPRESS_APP_JAR", "/opt/nncompress/nncompress-app.jar")
DATA_ROOT = os.environ.get("NNCOMPRESS_DATA_ROOT", "hdfs:///data/nncompress")
OUTPUT_ROOT = os.environ.get("NNCOMPRESS_OUTPUT_ROOT", "hdfs:///data/nncompress/stats")
SPARK_CONN_ID = os.environ.get("NNCOMPRESS_SPARK_CONN_ID", "spark_default")
# the compression job's YAML config, a layer map over the model's weights (model.layers); its
# data.statistics and output are replaced by the run date's (see conf/examples/residual-mlp/job.yaml)
COMPRESS_CONFIG = os.environ.get("NNCOMPRESS_COMPRESS_CONFIG", "hdfs:///data/nncompress/job.yaml")

# one output per run date; {{ ds_nodash }} is rendered by Airflow (application_args is templated)
PARAMS = example_params(DATA_ROOT, OUTPUT_ROOT + "/autocorr/{{ ds_nodash }}")
COMPRESS_PARAMS = example_compress_params(COMPRESS_CONFIG, PARAMS["output"],
                                          OUTPUT_ROOT + "/compressed/{{ ds_nodash }}")

SPARK_CONF = {
    # executors lost with their machine are replaced; tasks are retried up to this many times
    "spark.task.maxFailures": "8",
    # on a shared cluster, see the README's Security section:
    # "spark.authenticate": "true", "spark.network.crypto.enabled": "true", "spark.io.encryption.enabled": "true",
}

default_args = {
    "owner": "nncompress",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=12),
}

# the validations fail fast and are not retried (a bad config does not heal); the jobs get the memory
VALIDATION = {"retries": 0, "execution_timeout": timedelta(minutes=30)}
JOB = {"driver_memory": "8g", "executor_memory": "8g", "executor_cores": 4}


def submit(task_id, args, **kwargs):
    """One spark-submit of the application jar: task_id names the task and the Spark application."""
    return SparkSubmitOperator(task_id=task_id, conn_id=SPARK_CONN_ID, application=APP_JAR,
                               java_class=MAIN_CLASS, name="nncompress-" + task_id.replace("_", "-"),
                               application_args=args, conf=SPARK_CONF, **kwargs)


with DAG(
    dag_id="nncompress_autocorr",
    description="Per-layer autocorrelation of activation datasets (nncompress autocorr), then the compression "
                "of the model from it (nncompress compress)",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["nncompress", "spark"],
) as dag:
    validate = submit("validate", autocorr_args(**PARAMS, validate_only=True), **VALIDATION)
    autocorr = submit("autocorr", autocorr_args(**PARAMS), **JOB)
    validate_compress = submit("validate_compress", compress_args(**COMPRESS_PARAMS, validate_only=True),
                               **VALIDATION)
    compress = submit("compress", compress_args(**COMPRESS_PARAMS), **JOB)

    validate >> autocorr >> validate_compress >> compress
