package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a Parquet file written by parquet-hadoop's own example writer, not by Spark. */
class ForeignParquetTest {

  @Test
  void readsListAndBinaryColumnsWrittenByParquetHadoop(@TempDir Path dir) throws Exception {
    MessageType schema = MessageTypeParser.parseMessageType("message activations {\n"
        + "  required int32 id;\n"
        + "  required group x (LIST) { repeated group list { required float element; } }\n"
        + "  required binary packed;\n"
        + "}");
    int n = 150;
    int d = 5;
    Random rnd = new Random(3);
    List<double[]> rows = new ArrayList<>();
    Path file = dir.resolve("foreign.parquet");
    Configuration conf = new Configuration();
    try (ParquetWriter<Group> w = ExampleParquetWriter
        .builder(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), conf))
        .withType(schema).withConf(conf).withRowGroupSize(4096L).build()) {
      SimpleGroupFactory f = new SimpleGroupFactory(schema);
      for (int i = 0; i < n; i++) {
        double[] x = new double[d];
        Group g = f.newGroup().append("id", i);
        Group list = g.addGroup("x");
        ByteBuffer b = ByteBuffer.allocate(4 * d).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < d; j++) {
          float v = (float) (rnd.nextGaussian() + j);
          x[j] = v;
          list.addGroup("list").append("element", v);
          b.putFloat(v);
        }
        g.append("packed", Binary.fromConstantByteArray(b.array()));
        w.write(g);
        rows.add(x);
      }
    }
    List<AutocorrelationJob.LayerResult> res = new AutocorrelationJob(SparkTestSession.get(),
        new AutocorrelationJob.Options()).compute(List.of(LayerInput.dense("a", file.toString(), "x"),
            LayerInput.dense("b", file.toString(), "packed")));
    assertEquals(ColumnEncoding.FLOAT_ARRAY, res.get(0).encoding);
    assertEquals(ColumnEncoding.BINARY_FLOAT32_LE, res.get(1).encoding);
    double rel = AutocorrelationJobTest.relDiff(AutocorrelationJobTest.direct(rows), res.get(0).stats.autocorrelation());
    assertTrue(rel < 1e-12, "relative difference " + rel);
    assertEquals(0.0, res.get(0).stats.relativeDifference(res.get(1).stats), 1e-15);
    assertEquals(n, res.get(1).samples);
  }
}
