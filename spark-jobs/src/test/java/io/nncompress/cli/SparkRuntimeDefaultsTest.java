package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkRuntimeDefaultsTest {
  @Test
  void theDirectResultSizeDefaultAppliesOnlyWhenTheUserDidNotSetIt() {
    assertEquals(Map.of("spark.task.maxDirectResultSize", "16m"), SparkRuntime.defaults(new SparkConf(false),
        Map.of("spark.sql.shuffle.partitions", "8")));
    // --conf
    assertEquals(Map.of(), SparkRuntime.defaults(new SparkConf(false), Map.of("spark.task.maxDirectResultSize", "2m")));
    // spark-submit --conf (a spark.* system property SparkConf(true) reads)
    assertEquals(Map.of(), SparkRuntime.defaults(new SparkConf(false).set("spark.task.maxDirectResultSize", "4m"),
        Map.of()));
  }
}
