package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LayerReport;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The output of the compression job and its reader.
 *
 * <pre>
 * OUTPUT/
 *   layers/          Parquet, one row per weighted layer (schema {@link #LAYER_SCHEMA}, format_version 1):
 *                    layer, type, method, original_shape, shape, kept_inputs, kept_outputs,
 *                    weight_codec, weight_bytes (the encoded weight, see io.nncompress.codec),
 *                    bias (array&lt;float&gt;, null without), metrics (map&lt;string,double&gt;)
 *   model/model.yaml         the compressed architecture spec (input_select = input features read)
 *   model/model.safetensors  the compressed weights, F32, PyTorch names and layouts; a low-rank layer
 *                            NAME (codec lowrank or lowrank_coded whose factors hold fewer weights)
 *                            as two layers NAME.0 (Q^T, no bias) and NAME.1 (P, the bias), see
 *                            io.nncompress.model.FactoredLayers
 *   model/compressed.safetensors  the same layers in their encoded form (codes, codebooks, factors...),
 *                            see io.nncompress.codec.CompressedSafetensors; deploy/pytorch/nncompress_load.py
 *                            (numpy only) decodes it to model.safetensors's float32 weights
 *   metrics.json             per layer and end to end
 *   report.html              the same as a self-contained page with plots (inline SVG)
 * </pre>
 *
 * kept_inputs are the original layer's input groups kept (features, neurons or channels);
 * kept_outputs its output neurons/channels kept; shape the stored weight's shape (dense [out, in],
 * conv [out, in, kh, kw]).
 */
public final class CompressedModelStore {
  public static final int FORMAT_VERSION = 1;
  public static final String LAYERS = "layers";
  public static final String MODEL_DIR = "model";
  public static final String SPEC = "model.yaml";
  public static final String WEIGHTS = "model.safetensors";
  public static final String COMPRESSED = "compressed.safetensors";
  public static final String METRICS = "metrics.json";
  public static final String REPORT = "report.html";

  public static final StructType LAYER_SCHEMA = new StructType(new StructField[] {
    new StructField("format_version", DataTypes.IntegerType, false, Metadata.empty()),
    new StructField("layer", DataTypes.StringType, false, Metadata.empty()),
    new StructField("type", DataTypes.StringType, false, Metadata.empty()),
    new StructField("method", DataTypes.StringType, false, Metadata.empty()),
    new StructField("original_shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
    new StructField("shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
    new StructField("kept_inputs", DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
    new StructField("kept_outputs", DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
    new StructField("weight_codec", DataTypes.StringType, false, Metadata.empty()),
    new StructField("weight_bytes", DataTypes.BinaryType, false, Metadata.empty()),
    new StructField("bias", DataTypes.createArrayType(DataTypes.FloatType, false), true, Metadata.empty()),
    new StructField("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), false,
        Metadata.empty())
  });

  /** One compressed layer as stored. */
  public static final class StoredLayer {
    public final String layer;
    public final String type;
    public final String method;
    public final int[] originalShape;
    public final int[] shape;
    public final int[] keptInputs;
    public final int[] keptOutputs;
    public final EncodedTensor weight;
    public final float[] bias;
    public final Map<String, Double> metrics;

    public StoredLayer(String layer, String type, String method, int[] originalShape, int[] shape, int[] keptInputs,
        int[] keptOutputs, EncodedTensor weight, float[] bias, Map<String, Double> metrics) {
      this.layer = layer;
      this.type = type;
      this.method = method;
      this.originalShape = originalShape;
      this.shape = shape;
      this.keptInputs = keptInputs;
      this.keptOutputs = keptOutputs;
      this.weight = weight;
      this.bias = bias;
      this.metrics = metrics;
    }

    /** Bytes of the stored layer: the encoded weight plus the float32 bias. */
    public long bytes() {
      return weight.encodedLength() + (bias == null ? 0 : 4L * bias.length);
    }
  }

  private CompressedModelStore() {}

  /** Layers of a compressed network as stored rows (weights as float32 unless encoded otherwise). */
  public static List<StoredLayer> layers(Network original, Network compressed, List<int[]> keptInputs,
      List<int[]> keptOutputs, List<LayerReport> reports, String method) {
    LayerChain a = LayerChain.of(original);
    LayerChain b = LayerChain.of(compressed);
    List<StoredLayer> out = new ArrayList<>();
    for (int k = 0; k < a.size(); k++) {
      Layer lo = a.layer(k);
      Layer lc = b.layer(k);
      double[] bias = LayerChain.bias(lc);
      float[] fb = null;
      if (bias != null) {
        fb = new float[bias.length];
        for (int i = 0; i < bias.length; i++) {
          fb[i] = (float) bias[i];
        }
      }
      LayerReport r = reports.get(k);
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("params_before", (double) r.paramsBefore);
      m.put("params_after", (double) r.paramsAfter);
      m.put("lambda", r.lambda);
      m.put("lambda_max", r.lambdaMax);
      m.put("iterations", (double) r.iterations);
      m.put("relative_error_lasso", r.relativeErrorLasso);
      m.put("relative_error_debiased", r.relativeErrorDebiased);
      m.put("relative_error_held_out", r.heldOutRelativeError);
      EncodedTensor w = LayerChain.weightHeld(lc) ? RawFloat32Tensor.of(LayerChain.weight(lc))
          : new OnFileFloat32(LayerChain.deferredWeight(lc));
      out.add(new StoredLayer(lo.name(), lo.type().id, method, shapeOf(lo), shapeOf(lc), keptInputs.get(k),
          keptOutputs.get(k), w, fb, m));
    }
    return out;
  }

  static int[] shapeOf(Layer l) {
    int rows = LayerChain.weightRows(l);
    if (l.type() == LayerType.DENSE) {
      return new int[] {rows, LayerChain.weightCols(l)};
    }
    io.nncompress.linalg.ConvGeometry g = ((io.nncompress.model.Conv2dLayer) l).geometry();
    return new int[] {rows, g.channels, g.kernelH, g.kernelW};
  }

  /**
   * The float32 form of a weight still on file ({@link io.nncompress.format.safetensors.Tensor#deferred}):
   * its size is known without reading it; encoding or decoding it reads it.
   */
  static final class OnFileFloat32 implements EncodedTensor {
    private final io.nncompress.format.safetensors.Tensor weight;

    OnFileFloat32(io.nncompress.format.safetensors.Tensor weight) {
      this.weight = weight;
    }

    @Override
    public String codec() {
      return RawFloat32Tensor.CODEC;
    }

    @Override
    public int rows() {
      return (int) weight.dim(0);
    }

    @Override
    public int cols() {
      return (int) weight.dim(1);
    }

    @Override
    public DenseMatrix decode() {
      return weight.toMatrix();
    }

    @Override
    public byte[] encode() {
      return RawFloat32Tensor.of(weight.toMatrix()).encode();
    }

    @Override
    public long encodedLength() {
      return 12 + 4L * weight.size(); // RawFloat32Tensor: a 12-byte header, then the values
    }
  }

  /** Writes layers/, model/ and metrics.json into {@code dir} (the job's temporary output). */
  public static void write(SparkSession spark, String dir, Network compressed, List<StoredLayer> layers,
      io.nncompress.report.Metrics metrics) throws IOException {
    write(spark, dir, compressed.spec().toYaml(), compressed.tensors(), layers,
        CompressedForm.of(layers, compressed.spec()), metrics);
  }

  /**
   * Writes layers/, model/ (the spec when not null, and the tensors) and metrics.json into {@code dir}:
   * a layer map's model has no spec, its tensors carry the user's names. {@code compressedForm}, the
   * stored layers named as in the tensors ({@link CompressedForm}), is written as {@value #COMPRESSED}.
   */
  public static void write(SparkSession spark, String dir, String specYaml, Map<String, Tensor> tensors,
      List<StoredLayer> layers, List<io.nncompress.codec.CompressedSafetensors.Layer> compressedForm,
      io.nncompress.report.Metrics metrics) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (StoredLayer l : layers) {
      rows.add(RowFactory.create(FORMAT_VERSION, l.layer, l.type, l.method, l.originalShape, l.shape, l.keptInputs,
          l.keptOutputs, l.weight.codec(), l.weight.encode(), l.bias,
          scala.jdk.javaapi.CollectionConverters.asScala(l.metrics)));
    }
    spark.createDataFrame(rows, LAYER_SCHEMA).coalesce(1).write().parquet(dir + "/" + LAYERS);
    Path base = new Path(dir);
    FileSystem fs = base.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (specYaml != null) {
      writeBytes(fs, new Path(base, MODEL_DIR + "/" + SPEC), specYaml.getBytes(StandardCharsets.UTF_8));
    }
    // streamed: a weight left on file or held encoded is decoded block by block, never held whole
    try (FSDataOutputStream out = fs.create(new Path(base, MODEL_DIR + "/" + WEIGHTS), false)) {
      io.nncompress.format.safetensors.SafetensorsWriter.writeTo(out, tensors, Map.of(
          "producer", "nncompress", "format", "pt"));
    }
    try (FSDataOutputStream out = fs.create(new Path(base, MODEL_DIR + "/" + COMPRESSED), false)) {
      io.nncompress.codec.CompressedSafetensors.writeTo(out, compressedForm);
    }
    byte[] json = io.nncompress.report.MetricsJson.write(metrics);
    writeBytes(fs, new Path(base, METRICS), json);
    // the report shows what metrics.json says: read back from its bytes
    writeBytes(fs, new Path(base, REPORT), io.nncompress.report.CompressionReport.render(
        io.nncompress.report.MetricsJson.read(json, METRICS)).getBytes(StandardCharsets.UTF_8));
  }

  private static void writeBytes(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(bytes);
    }
  }

  /** Reads the stored layers back, in order. */
  public static List<StoredLayer> readLayers(SparkSession spark, String dir) {
    List<Row> rows = spark.read().parquet(dir + "/" + LAYERS).collectAsList();
    List<StoredLayer> out = new ArrayList<>();
    for (Row r : rows) {
      int v = r.getInt(r.fieldIndex("format_version"));
      if (v > FORMAT_VERSION) {
        throw new BadInputException("Compressed model " + dir + " has format version " + v + "; this nncompress reads "
            + "up to " + FORMAT_VERSION);
      }
      List<Object> bias = r.isNullAt(r.fieldIndex("bias")) ? null : r.getList(r.fieldIndex("bias"));
      float[] fb = null;
      if (bias != null) {
        fb = new float[bias.size()];
        for (int i = 0; i < fb.length; i++) {
          fb[i] = (Float) bias.get(i);
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>(r.getJavaMap(r.fieldIndex("metrics")));
      out.add(new StoredLayer(r.getString(r.fieldIndex("layer")), r.getString(r.fieldIndex("type")),
          r.getString(r.fieldIndex("method")), ints(r, "original_shape"), ints(r, "shape"), ints(r, "kept_inputs"),
          ints(r, "kept_outputs"), TensorCodecs.decode(r.getString(r.fieldIndex("weight_codec")),
              (byte[]) r.get(r.fieldIndex("weight_bytes"))), fb, metrics));
    }
    return out;
  }

  private static int[] ints(Row r, String f) {
    List<Object> l = r.getList(r.fieldIndex(f));
    int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Integer) l.get(i);
    }
    return a;
  }

  /**
   * The compressed network from the stored layers (decoded from their codecs) and the stored spec:
   * the Java API that runs what the compression wrote. A low-rank layer that the spec lists as
   * NAME.0 and NAME.1 gets its two factors.
   */
  public static Network load(SparkSession spark, String dir) throws IOException {
    Path specPath = new Path(dir, MODEL_DIR + "/" + SPEC);
    FileSystem fs = specPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
    String yaml;
    try (java.io.InputStream in = fs.open(specPath)) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    ArchitectureSpec spec = ArchitectureSpec.parse(specPath.toString(), yaml);
    Map<String, LayerSpec> byName = new LinkedHashMap<>();
    for (LayerSpec s : spec.layers) {
      byName.put(s.name, s);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (StoredLayer l : readLayers(spark, dir)) {
      LayerSpec s = byName.get(l.layer);
      LayerSpec s0 = byName.get(io.nncompress.model.FactoredLayers.firstName(l.layer));
      LayerSpec s1 = byName.get(io.nncompress.model.FactoredLayers.secondName(l.layer));
      if (s == null && s0 != null && s1 != null) {
        if (!(l.weight instanceof LowRankEncoded)) {
          throw new BadInputException("Compressed model " + dir + ": layer " + l.layer + " is two layers in " + specPath
              + " but its weight (codec " + l.weight.codec() + ") is not low rank");
        }
        LowRankEncoded f = (LowRankEncoded) l.weight;
        boolean conv = l.shape.length == 4;
        int r = f.rank();
        long[] first = conv ? new long[] {r, l.shape[1], l.shape[2], l.shape[3]} : new long[] {r, l.shape[1]};
        long[] second = conv ? new long[] {l.shape[0], r, 1, 1} : new long[] {l.shape[0], r};
        tensors.put(s0.weight, Tensor.f32(f.first().toRowMajor(), first));
        tensors.put(s1.weight, Tensor.f32(f.second().toRowMajor(), second));
        s = s1; // the bias goes with the second factor
      } else if (s == null) {
        throw new BadInputException("Compressed model " + dir + ": layer " + l.layer + " is not in " + specPath);
      } else {
        long[] shape = new long[l.shape.length];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = l.shape[i];
        }
        tensors.put(s.weight, Tensor.f32(l.weight.decode().toRowMajor(), shape));
      }
      if (l.bias != null) {
        double[] b = new double[l.bias.length];
        for (int i = 0; i < b.length; i++) {
          b[i] = l.bias[i];
        }
        tensors.put(s.bias, Tensor.of(b));
      }
    }
    return Network.build(spec, new SafetensorsFile(tensors), dir);
  }

}
