package io.nncompress.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Network;
import io.nncompress.spark.compress.CompressedModelStore;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** A small MLP, its data and its config, for the compression job on the cluster (and the CLI's tests). */
public final class CompressionFixture {
  private CompressionFixture() {}

  /** A random 12-10-8-3 relu MLP. */
  public static Network network(long seed) {
    return network(new Random(seed));
  }

  /** A random 12-10-8-3 relu MLP drawn from {@code rnd} (which then goes on, e.g. to {@link #inputs(int, Random)}). */
  public static Network network(Random rnd) {
    String yaml = "name: mlp\ninput: [12]\nlayers:\n  - {name: fc1, type: dense, units: 10}\n  - {type: relu}\n"
        + "  - {name: fc2, type: dense, units: 8}\n  - {type: relu}\n  - {name: fc3, type: dense, units: 3}\n";
    Map<String, Tensor> t = new LinkedHashMap<>();
    int[][] shapes = {{10, 12}, {8, 10}, {3, 8}};
    for (int k = 0; k < 3; k++) {
      double[] w = new double[shapes[k][0] * shapes[k][1]];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (rnd.nextGaussian() / Math.sqrt(shapes[k][1]));
      }
      double[] b = new double[shapes[k][0]];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (0.1 * rnd.nextGaussian());
      }
      t.put("fc" + (k + 1) + ".weight", Tensor.f32(w, shapes[k][0], shapes[k][1]));
      t.put("fc" + (k + 1) + ".bias", Tensor.f32(b, shapes[k][0]));
    }
    return Network.build(ArchitectureSpec.parse("mlp", yaml), new SafetensorsFile(t), "mlp");
  }

  /** Correlated inputs, one sample per column. */
  public static DenseMatrix inputs(int n, long seed) {
    return inputs(n, new Random(seed));
  }

  /** Correlated inputs drawn from {@code rnd}, one sample per column. */
  public static DenseMatrix inputs(int n, Random rnd) {
    double[][] a = new double[12][4];
    for (double[] row : a) {
      for (int j = 0; j < 4; j++) {
        row[j] = rnd.nextGaussian();
      }
    }
    DenseMatrix x = new DenseMatrix(12, n);
    for (int s = 0; s < n; s++) {
      double[] z = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
      for (int i = 0; i < 12; i++) {
        double v = 0.05 * rnd.nextGaussian() + 0.2;
        for (int j = 0; j < 4; j++) {
          v += a[i][j] * z[j];
        }
        x.set(i, s, v);
      }
    }
    return x;
  }

  static void write(SparkSession spark, String path, DenseMatrix x, int files) {
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < x.cols; s++) {
      Double[] v = new Double[x.rows];
      for (int i = 0; i < v.length; i++) {
        v[i] = x.get(i, s);
      }
      rows.add(RowFactory.create((Object) v));
    }
    spark.createDataFrame(rows, new StructType().add("x", "array<double>")).repartition(files).write().parquet(path);
  }

  /** Top-down (one pass per layer), so that a driver killed after fc1 has work left to resume. */
  static Path config(Path file, Path model, String data, String output) throws java.io.IOException {
    Files.writeString(file, "model:\n  spec: " + model.resolve("mlp.yaml") + "\n  weights: "
        + model.resolve("mlp.safetensors") + "\ndata:\n  calibration: " + data + "\n  input_column: x\n"
        + "lnr:\n  strategy: top-down\n  target: {keep: 6}\n  layers:\n    fc1: {keep: 8}\n  tolerance: 1.0e-9\n"
        + "output: " + output + "\n");
    return file;
  }

  static boolean checkpointed(Path output, String layer) {
    File[] siblings = output.getParent().toFile().listFiles();
    for (File f : siblings == null ? new File[0] : siblings) {
      if (f.getName().startsWith("." + output.getFileName() + ".work-")
          && new File(f, "layer-" + layer + ".bin").exists()) {
        return true;
      }
    }
    return false;
  }

  static void assertSameModel(SparkSession spark, String expected, String actual, DenseMatrix x) throws Exception {
    Network e = CompressedModelStore.load(spark, expected);
    Network a = CompressedModelStore.load(spark, actual);
    assertArrayEquals(e.inputSelect(), a.inputSelect());
    double diff = e.forward(x).maxAbsDiff(a.forward(x));
    assertTrue(diff < 1e-9, "compressed models differ by " + diff);
  }
}
