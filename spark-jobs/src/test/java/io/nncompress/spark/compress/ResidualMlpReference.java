package io.nncompress.spark.compress;

import io.nncompress.data.LabeledImages;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An independent forward pass of conf/examples/residual-mlp's {@code ResidualMLP} (model.py), in
 * plain double-precision loops, for tests: it shares nothing with nncompress's Network or engine,
 * only reads the weights with {@link SafetensorsReader}.
 *
 * <pre>
 *   x = embed(pixels)
 *   for each block i:  h = LayerNorm_i(x);  x = x + down_proj(silu(gate_proj(h)) * up_proj(h))
 *   logits = head(LayerNorm_final(x))
 * </pre>
 *
 * LayerNorm as PyTorch's: biased variance, eps 1e-5, then weight and bias; SiLU(z) = z sigmoid(z).
 * The widths (d_model, each block's d_ff, the number of blocks and classes) come from the tensor
 * shapes, so a compressed model with narrower MLPs or zeroed columns runs as well. The inputs of
 * the Linear layers, by module name, are what PyTorch's forward pre-hooks on them see.
 */
public final class ResidualMlpReference {
  public static final double LAYER_NORM_EPS = 1e-5;
  /** The Parquet column {@link #writeLayerInputs} writes: binary, float32 little-endian. */
  public static final String INPUT_COLUMN = "input";

  /** y = W x + b with W [out, in] row-major, as nn.Linear. */
  static final class Linear {
    final String name;
    final int out;
    final int in;
    final double[] w;
    final double[] b;

    Linear(SafetensorsFile f, String name) {
      this.name = name;
      Tensor wt = tensor(f, name + ".weight", 2);
      this.out = (int) wt.dim(0);
      this.in = (int) wt.dim(1);
      this.w = wt.values();
      this.b = f.contains(name + ".bias") ? vector(f, name + ".bias", out) : new double[out];
    }

    double[] apply(double[] x) {
      if (x.length != in) {
        throw new IllegalArgumentException(name + ": input of length " + x.length + ", expected " + in);
      }
      double[] y = new double[out];
      for (int i = 0; i < out; i++) {
        double s = b[i];
        int row = i * in;
        for (int j = 0; j < in; j++) {
          s += w[row + j] * x[j];
        }
        y[i] = s;
      }
      return y;
    }
  }

  /** nn.LayerNorm(d) with its weight and bias. */
  static final class Norm {
    final double[] gamma;
    final double[] beta;

    Norm(SafetensorsFile f, String name, int d) {
      this.gamma = vector(f, name + ".weight", d);
      this.beta = vector(f, name + ".bias", d);
    }
  }

  /** One pre-norm residual block with its gated MLP. */
  static final class Block {
    final Norm norm;
    final Linear gate;
    final Linear up;
    final Linear down;

    Block(SafetensorsFile f, int i, int dModel) {
      String p = "blocks." + i;
      norm = new Norm(f, p + ".norm", dModel);
      gate = new Linear(f, p + ".mlp.gate_proj");
      up = new Linear(f, p + ".mlp.up_proj");
      down = new Linear(f, p + ".mlp.down_proj");
      if (gate.in != dModel || up.in != dModel || up.out != gate.out || down.in != gate.out || down.out != dModel) {
        throw new IllegalArgumentException(p + ": shapes disagree: gate_proj [" + gate.out + ", " + gate.in
            + "], up_proj [" + up.out + ", " + up.in + "], down_proj [" + down.out + ", " + down.in
            + "] with d_model " + dModel);
      }
    }
  }

  private final Linear embed;
  private final List<Block> blocks;
  private final Norm finalNorm;
  private final Linear head;

  private ResidualMlpReference(SafetensorsFile f) {
    embed = new Linear(f, "embed");
    int dModel = embed.out;
    blocks = new ArrayList<>();
    for (int i = 0; f.contains("blocks." + i + ".mlp.gate_proj.weight"); i++) {
      blocks.add(new Block(f, i, dModel));
    }
    finalNorm = new Norm(f, "final_norm", dModel);
    head = new Linear(f, "head");
    if (head.in != dModel) {
      throw new IllegalArgumentException("head.weight has " + head.in + " inputs, expected d_model " + dModel);
    }
  }

  /** The model of a safetensors file with ResidualMLP's tensor names (any widths). */
  public static ResidualMlpReference load(Path safetensors) throws IOException {
    return new ResidualMlpReference(SafetensorsReader.read(safetensors));
  }

  public int inputs() {
    return embed.in;
  }

  public int dModel() {
    return embed.out;
  }

  public int classes() {
    return head.out;
  }

  /** d_ff of each block (its gate_proj's rows). */
  public int[] dFf() {
    return blocks.stream().mapToInt(b -> b.gate.out).toArray();
  }

  /** The Linear layers' module names in the order the forward pass reaches them. */
  public List<String> linearNames() {
    List<String> names = new ArrayList<>();
    names.add(embed.name);
    for (Block b : blocks) {
      names.add(b.gate.name);
      names.add(b.up.name);
      names.add(b.down.name);
    }
    names.add(head.name);
    return names;
  }

  /** The logits of one image; when {@code inputs} is not null, every Linear layer's input goes in it by name. */
  public double[] logits(double[] image, Map<String, double[]> inputs) {
    Map<String, double[]> seen = inputs == null ? new LinkedHashMap<>() : inputs;
    seen.put(embed.name, image);
    double[] x = embed.apply(image);
    for (Block b : blocks) {
      double[] h = layerNorm(x, b.norm.gamma, b.norm.beta);
      seen.put(b.gate.name, h);
      seen.put(b.up.name, h);
      double[] g = b.gate.apply(h);
      double[] u = b.up.apply(h);
      double[] a = new double[g.length];
      for (int j = 0; j < a.length; j++) {
        a[j] = silu(g[j]) * u[j];
      }
      seen.put(b.down.name, a);
      double[] m = b.down.apply(a);
      double[] next = new double[x.length];
      for (int j = 0; j < x.length; j++) {
        next[j] = x[j] + m[j];
      }
      x = next;
    }
    double[] h = layerNorm(x, finalNorm.gamma, finalNorm.beta);
    seen.put(head.name, h);
    return head.apply(h);
  }

  /** The logits of each image (one row per image). */
  public double[][] logits(double[][] images) {
    double[][] out = new double[images.length][];
    for (int k = 0; k < images.length; k++) {
      out[k] = logits(images[k], null);
    }
    return out;
  }

  /** Every Linear layer's inputs for the images, by module name: [images][that layer's in]. */
  public Map<String, double[][]> layerInputs(double[][] images) {
    Map<String, double[][]> out = new LinkedHashMap<>();
    for (String n : linearNames()) {
      out.put(n, new double[images.length][]);
    }
    for (int k = 0; k < images.length; k++) {
      Map<String, double[]> seen = new LinkedHashMap<>();
      logits(images[k], seen);
      for (Map.Entry<String, double[]> e : seen.entrySet()) {
        out.get(e.getKey())[k] = e.getValue();
      }
    }
    return out;
  }

  /** The fraction of images whose largest logit is at their label (ties: the first, as torch.argmax). */
  public double accuracy(double[][] images, int[] labels) {
    int correct = 0;
    for (int k = 0; k < images.length; k++) {
      if (argmax(logits(images[k], null)) == labels[k]) {
        correct++;
      }
    }
    return (double) correct / images.length;
  }

  public static int argmax(double[] v) {
    int best = 0;
    for (int j = 1; j < v.length; j++) {
      if (v[j] > v[best]) {
        best = j;
      }
    }
    return best;
  }

  /** PyTorch's LayerNorm over the whole vector: (x - mean) / sqrt(biased var + 1e-5) * gamma + beta. */
  public static double[] layerNorm(double[] x, double[] gamma, double[] beta) {
    int d = x.length;
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= d;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= d;
    double inv = 1 / Math.sqrt(var + LAYER_NORM_EPS);
    double[] y = new double[d];
    for (int j = 0; j < d; j++) {
      y[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
    }
    return y;
  }

  /** SiLU(z) = z sigmoid(z) = z / (1 + e^-z). */
  public static double silu(double z) {
    return z / (1 + Math.exp(-z));
  }

  /** The first {@code n} Fashion-MNIST images of a split as float32 pixels / 255 (as model.py reads them). */
  public static double[][] fashionMnist(boolean train, int n) throws IOException {
    LabeledImages im = LabeledImages.fashionMnist(LabeledImages.FASHION_MNIST_DIR, train);
    int count = Math.min(n, im.size());
    double[][] out = new double[count][im.features()];
    for (int k = 0; k < count; k++) {
      for (int j = 0; j < im.features(); j++) {
        out[k][j] = im.pixel(k, j);
      }
    }
    return out;
  }

  /**
   * Writes every Linear layer's inputs for the images as one Parquet dataset per layer,
   * {@code dir/<module name>}, with one binary column {@value #INPUT_COLUMN} of float32
   * little-endian values (the fastest encoding for {@code nncompress autocorr}). Returns the
   * dataset paths by module name, in forward order.
   */
  public Map<String, String> writeLayerInputs(SparkSession spark, Path dir, double[][] images, int partitions) {
    StructType schema = new StructType(new StructField[] {
      new StructField(INPUT_COLUMN, DataTypes.BinaryType, false, Metadata.empty())
    });
    Map<String, String> paths = new LinkedHashMap<>();
    for (Map.Entry<String, double[][]> e : layerInputs(images).entrySet()) {
      List<Row> rows = new ArrayList<>(images.length);
      for (double[] x : e.getValue()) {
        rows.add(RowFactory.create((Object) float32le(x)));
      }
      String path = dir.resolve(e.getKey()).toString();
      spark.createDataFrame(rows, schema).repartition(partitions).write().mode("overwrite").parquet(path);
      paths.put(e.getKey(), path);
    }
    return paths;
  }

  /** x rounded to float32, little-endian: what the Parquet binary column holds. */
  public static byte[] float32le(double[] x) {
    ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : x) {
      b.putFloat((float) v);
    }
    return b.array();
  }

  private static Tensor tensor(SafetensorsFile f, String name, int rank) {
    if (!f.contains(name)) {
      throw new IllegalArgumentException("tensor " + name + " is missing; the file has " + f.names());
    }
    Tensor t = f.get(name);
    if (t.rank() != rank) {
      throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(t.shape())
          + ", expected rank " + rank);
    }
    return t;
  }

  private static double[] vector(SafetensorsFile f, String name, int d) {
    Tensor t = tensor(f, name, 1);
    if (t.dim(0) != d) {
      throw new IllegalArgumentException("tensor " + name + " has " + t.dim(0) + " values, expected " + d);
    }
    return t.values();
  }
}
