package io.nncompress.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.LayerInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards written by numpy itself are ingested value for value, in order, and autocorr reads them. */
class ShardIngestTest {
  /** numpy writes several layers of shards, and every layer's values as float32 in order (expected-L.bin). */
  static final String NUMPY = String.join("\n",
      "import numpy as np, json, struct, sys, os",
      "out = sys.argv[1]",
      "rng = np.random.default_rng(7)",
      "def layer(name, shapes, dtype, names=None, special=None):",
      "    os.makedirs(f'{out}/in/{name}')",
      "    exp = []",
      "    for i, (n, d) in enumerate(shapes):",
      "        a = (rng.standard_normal((n, d)) * 3).astype(dtype)",
      "        if special is not None and i == 0:",
      "            a.flat[:len(special)] = special",
      "        np.save(f'{out}/in/{name}/' + (names[i] if names else 'part-%05d.npy' % i), a)",
      "        exp.append(a.astype('<f4'))",
      "    np.concatenate(exp).tofile(f'{out}/expected-{name}.bin')",
      "layer('a_f32', [(100, 7), (100, 7), (37, 7)], np.float32)",
      // float64 rounded to float32 as numpy does: float32 subnormals, near the float32 maximum, ties
      "layer('b_f64', [(64, 5), (50, 5)], np.float64, special=[1e-40, -3.4e38, 1 + 2**-24, 1 + 3 * 2**-24, 0.1])",
      "layer('c_f16', [(40, 6), (13, 6)], np.float16, special=[6e-8, -65504.0, 0.1])",
      // natural order: shard-2 before shard-10
      "layer('d_order', [(9, 3), (11, 3)], np.float32, names=['shard-2.npy', 'shard-10.npy'])",
      "def st(path, tensors):",
      "    header, off, blobs = {}, 0, []",
      "    for name, a in tensors:",
      "        b = a.astype(a.dtype.newbyteorder('<')).tobytes()",
      "        code = {'float32': 'F32', 'float64': 'F64', 'float16': 'F16'}[a.dtype.name]",
      "        header[name] = {'dtype': code, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}",
      "        off += len(b); blobs.append(b)",
      "    h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)",
      "    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))",
      "os.makedirs(f'{out}/in/e_st')",
      "t1 = rng.standard_normal((20, 3)).astype(np.float32)",
      "t2 = rng.standard_normal((11, 3)).astype(np.float64)",
      "t3 = rng.standard_normal((5, 3)).astype(np.float16)",
      // rows in the order of the data in the file, not of the names
      "st(f'{out}/in/e_st/part-00000.safetensors', [('z_first', t1), ('a_second', t2)])",
      "st(f'{out}/in/e_st/part-00001.safetensors', [('x', t3)])",
      "np.concatenate([t1, t2.astype('<f4'), t3.astype('<f4')]).astype('<f4').tofile(f'{out}/expected-e_st.bin')");

  static final Map<String, Integer> D = Map.of("a_f32", 7, "b_f64", 5, "c_f16", 6, "d_order", 3, "e_st", 3);
  static final Map<String, Integer> SHARDS = Map.of("a_f32", 3, "b_f64", 2, "c_f16", 2, "d_order", 2, "e_st", 2);

  @TempDir
  static Path dir;
  static SparkSession spark;
  static List<LayerShards> layers;
  static Path out;

  @BeforeAll
  static void ingest() throws Exception {
    spark = SparkTestSession.get();
    Python.run(NUMPY, dir.toString());
    ShardIngest.Options o = new ShardIngest.Options();
    o.maxTaskBytes = 1000; // 35 rows of d = 7 a task: ranges cut within shards and packed across them
    out = dir.resolve("out");
    layers = new ShardIngest(spark, o).run(dir.resolve("in").toString(), out.toString(), false);
  }

  @Test
  void parquetValuesEqualNumpysFloat32ValuesInOrder() throws Exception {
    assertEquals(List.of("a_f32", "b_f64", "c_f16", "d_order", "e_st"), layers.stream().map(l -> l.name).toList());
    for (LayerShards l : layers) {
      int d = D.get(l.name);
      float[] want = Python.floats(dir.resolve("expected-" + l.name + ".bin"));
      assertEquals(d, l.d(), l.name);
      assertEquals(want.length / d, l.rows(), l.name);
      assertEquals(SHARDS.get(l.name), l.files, l.name);
      float[] got = Python.ingested(spark, out.resolve(l.name), "input", d);
      assertArrayEquals(want, got, 0f, l.name); // bit for bit: numpy's rounding to float32 is Java's
    }
    assertTrue(Files.isDirectory(out.resolve("a_f32")));
    // 237 rows of 28 bytes in tasks of at most 1000 bytes (35 rows): 7 part files
    try (var s = Files.list(out.resolve("a_f32"))) {
      assertEquals(7, s.filter(f -> f.getFileName().toString().endsWith(".parquet")).count());
    }
  }

  @Test
  void rangesAreCutWithinShardsAndPackedAcrossThem() {
    LayerShards a = layers.get(0);
    List<List<ChunkRows.Chunk>> tasks = ShardIngest.plan(a, 1000, 2);
    assertEquals(7, tasks.size());
    // the third task: rows 70..99 of the first shard, then rows 0..4 of the second
    List<ChunkRows.Chunk> third = tasks.get(2);
    assertEquals(2, third.size());
    assertEquals(70, third.get(0).from);
    assertEquals(100, third.get(0).to);
    assertEquals(0, third.get(1).from);
    assertEquals(5, third.get(1).to);
    // a small layer on 2 cores: two tasks, not one
    assertEquals(2, ShardIngest.plan(a, 64L << 20, 2).size());
  }

  @Test
  void autocorrOnTheIngestedDatasetEqualsTheDirectR() throws Exception {
    List<LayerInput> inputs = new ArrayList<>();
    for (LayerShards l : layers) {
      inputs.add(LayerInput.dense(l.name, out.resolve(l.name).toString(), "input"));
    }
    List<AutocorrelationJob.LayerResult> res = new AutocorrelationJob(spark, new AutocorrelationJob.Options())
        .compute(inputs);
    for (int k = 0; k < layers.size(); k++) {
      LayerShards l = layers.get(k);
      AutocorrelationJob.LayerResult r = res.get(k);
      assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, r.reader, "the fastest read path, layer " + l.name);
      assertEquals(l.rows(), r.samples);
      DenseMatrix want = direct(Python.floats(dir.resolve("expected-" + l.name + ".bin")), l.d());
      DenseMatrix got = r.stats.autocorrelation();
      double scale = 0;
      for (double v : want.data) {
        scale = Math.max(scale, Math.abs(v));
      }
      double rel = want.maxAbsDiff(got) / scale;
      assertTrue(rel <= 1e-12, "layer " + l.name + ": relative difference " + rel);
    }
  }

  /** R = (1/N) sum x~ x~^T with x~ = [x; 1], in plain loops over numpy's float32 values. */
  static DenseMatrix direct(float[] v, int d) {
    int n = v.length / d;
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    for (int s = 0; s < n; s++) {
      for (int i = 0; i <= d; i++) {
        double xi = i < d ? v[s * d + i] : 1;
        for (int j = 0; j <= d; j++) {
          r.add(i, j, xi * (j < d ? v[s * d + j] : 1));
        }
      }
    }
    for (int k = 0; k < r.data.length; k++) {
      r.data[k] /= n;
    }
    return r;
  }
}
