package io.nncompress.spark.compress;

import io.nncompress.codec.BitWriter;
import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedBytes;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.huffman.HuffmanCode;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.Stage;
import io.nncompress.compress.StagePlan;
import io.nncompress.format.safetensors.SafetensorsException;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.codec.DistributedWeightSharing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weight sharing of the layers too large to collect ({@code stages.distributed_above}): a weighted
 * layer whose weight has more values than the threshold in the model file, and whose stages share
 * weights ({@code kmeans(b)} or {@code kmeans_aware(b)}, then optionally {@code huffman}), is
 * clustered with {@link DistributedWeightSharing} instead of in one task:
 * <ol>
 *   <li>where its weights come from: if LNR keeps the layer whole ({@code lnr.layers.NAME: none}),
 *       it is dense and no batchnorm follows it, its weight is left in the model file
 *       ({@link Network#load(Path, Path, Set)}, {@link Tensor#deferred}): the driver reads the
 *       header only, and each task reads its own block of rows of the tensor from the file (the
 *       rows the next layer still reads; the file must be at the same path on every executor).
 *       Forward passes (statistics, evaluation) read it in their tasks too. Otherwise LNR has
 *       computed the layer on the driver from its statistics, so the driver holds it already; its
 *       rows are cut in blocks that go to the executors with the tasks, and everything after is
 *       the same;</li>
 *   <li>on the executors: N, min and max, then a fine histogram of the weights (R_jj-weighted for
 *       {@code kmeans_aware}); on the driver the exact 1-D solver on the histogram's bin means:
 *       the float32 codebook;</li>
 *   <li>on the executors, each weight's code (nearest codebook value), and per partition (a block
 *       of consecutive rows) the count of each code and the partition's bit stream, fixed-width;</li>
 *   <li>Huffman: the code lengths come from the counts summed over the partitions (the canonical
 *       code of {@link HuffmanCode#fromFrequencies}, the one the local encoder builds from the same
 *       codes); each partition writes its rows' Huffman codes as its own bit stream, on the
 *       executors;</li>
 *   <li>the driver joins the partitions' streams in row order ({@link BitWriter#append}) behind the
 *       header and codebook: the {@code deepcomp} bytes, the same bytes {@link DeepCompressedTensor}
 *       writes for the same codes, stored in the layer's one {@code weight_bytes} cell of
 *       {@code layers/} like any other layer's. That cell is one value, so the encoded form (bits /
 *       32 of the float32 bytes before Huffman, e.g. 1/8 for kmeans(4)) is gathered in one place,
 *       the driver; the float weights, original or decoded, never are. Where the decoded layer is
 *       needed, it travels encoded: the evaluation's tasks decode it, and model/model.safetensors
 *       is written by decoding it as a stream, one block of rows at a time.</li>
 * </ol>
 * Pruning is not distributed: a layer above the threshold whose stages prune is a config error.
 * Layers above the threshold whose stages do not share weights run as any other layer.
 */
final class DistributedLayers {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedLayers.class);
  /** The encoded form of a layer weight-shared here, with the code counts of the pass. */
  static final class Encoded implements EncodedTensor {
    final EncodedBytes bytes;
    final float[] codebook;
    final long[] counts;

    Encoded(EncodedBytes bytes, float[] codebook, long[] counts) {
      this.bytes = bytes;
      this.codebook = codebook;
      this.counts = counts;
    }

    @Override
    public String codec() {
      return bytes.codec();
    }

    @Override
    public int rows() {
      return bytes.rows();
    }

    @Override
    public int cols() {
      return bytes.cols();
    }

    /** The decoded matrix, whole: only for a reader that wants it (the job itself never calls it). */
    @Override
    public DenseMatrix decode() {
      return bytes.decode();
    }

    @Override
    public byte[] encode() {
      return bytes.encode();
    }

    @Override
    public long encodedLength() {
      return bytes.encodedLength();
    }

    /** Weights stored nonzero: the counts of the codes whose shared value is not 0. */
    long nonzeros() {
      long n = 0;
      for (int c = 0; c < counts.length; c++) {
        n += codebook[c] != 0 ? counts[c] : 0;
      }
      return n;
    }

    /** The decoded layer as a tensor read when needed (it carries the encoded bytes). */
    Tensor tensor() {
      return Tensor.deferred(bytes.source());
    }
  }

  /** What one pass over a layer gave. */
  private static final class Fitted {
    int bits;
    float[] codebook;
    long[] counts;
    double min;
    double max;
    double[] histogram;
    boolean onFile;
    Encoded fixed;
    Encoded huffman;
  }

  private final SparkSession spark;
  private final CompressionConfig config;
  private final Set<String> routed = new LinkedHashSet<>();
  private final Map<String, Fitted> fitted = new LinkedHashMap<>();

  /** The layers of {@code original} (the model as loaded) that this config routes here. */
  DistributedLayers(SparkSession spark, CompressionConfig config, Network original) {
    this.spark = spark;
    this.config = config;
    LayerChain chain = LayerChain.of(original.foldBatchNorm());
    for (int k = 0; k < chain.size(); k++) {
      Layer l = chain.layer(k);
      long n = (long) LayerChain.weightRows(l) * LayerChain.weightCols(l);
      if (n > config.distributedAbove && sharesWeights(config.stagesOf(l.name()))) {
        routed.add(l.name());
      }
    }
  }

  /** Whether the weight sharing of this layer (by name) runs here. */
  boolean routes(String layer) {
    return routed.contains(layer);
  }

  Set<String> routed() {
    return Collections.unmodifiableSet(routed);
  }

  private static boolean sharesWeights(StagePlan plan) {
    return plan.kmeans() != null;
  }

  /**
   * The dense weights of the model to leave on file: layers above the threshold that share weights,
   * kept whole by LNR, not followed by a batchnorm (folding would change them). Checks the stages
   * of every layer above the threshold first.
   */
  static Set<String> onFile(CompressionConfig c, ArchitectureSpec spec, Map<String, long[]> shapes) {
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < spec.layers.size(); i++) {
      LayerSpec l = spec.layers.get(i);
      if (!l.type.isWeighted() || !shapes.containsKey(l.weight)) {
        continue;
      }
      long n = Tensor.elementCount(shapes.get(l.weight));
      StagePlan plan = c.stagesOf(l.name);
      if (n <= c.distributedAbove || !sharesWeights(plan)) {
        continue;
      }
      for (Stage s : plan.stages()) {
        if (s instanceof Stage.Prune) {
          throw new BadInputException("Config " + c.source + ", key stages.distributed_above: layer " + l.name
              + " has " + n + " weights, more than stages.distributed_above = " + c.distributedAbove + ", and its "
              + "stages " + plan + " prune: pruning is not distributed; drop " + s.text() + " for this layer "
              + "(stages.layers." + l.name + ") or raise stages.distributed_above to at least " + n);
        }
      }
      boolean batchnormNext = i + 1 < spec.layers.size() && spec.layers.get(i + 1).type == LayerType.BATCHNORM;
      if (l.type == LayerType.DENSE && c.targetOf(l.name) == null && !batchnormNext) {
        out.add(l.weight);
      }
    }
    return out;
  }

  /** The model of the config, with the weights {@link #onFile} left on file. */
  static Network load(CompressionConfig c) throws IOException {
    ArchitectureSpec spec = ArchitectureSpec.read(c.spec);
    Network.validate(spec, c.weights);
    Set<String> names = onFile(c, spec, SafetensorsReader.shapes(c.weights));
    if (!names.isEmpty() && c.weightsCopied) {
      // the local copy of a remote file is on the driver only: the executors could not read from it
      LOG.warn("Weights {} are read on the driver: {} is a local copy of {}, which the executors do not have",
          names, c.weights, c.weightsSource);
      names = Set.of();
    }
    if (names.isEmpty()) {
      return Network.load(c.spec, c.weights);
    }
    LOG.info("Weights left in {} (read by the executors, never by the driver): {}", c.weights, names);
    return Network.load(c.spec, c.weights, names);
  }

  /**
   * The encoded form of weighted layer {@code l} (of the network after LNR) after the stages of
   * {@code prefix} (a prefix of its plan that shares weights): one distributed pass serves every
   * prefix of the layer.
   *
   * @param rDiag R_jj per column (kmeans_aware), or null
   */
  Encoded encode(Layer l, StagePlan prefix, double[] rDiag) {
    Stage.KMeans kmeans = prefix.kmeans();
    int bits = kmeans == null ? 0 : kmeans.bits();
    boolean aware = kmeans != null && kmeans.aware();
    boolean huffman = prefix.stages().stream().anyMatch(Stage.Huffman.class::isInstance);
    if (bits == 0) {
      throw new IllegalStateException("Layer " + l.name() + ": stages " + prefix + " do not share weights");
    }
    if (aware && rDiag == null) {
      throw new IllegalStateException("Layer " + l.name() + ": kmeans_aware needs the R diagonal");
    }
    Fitted f = fitted.get(l.name());
    if (f == null) {
      boolean anyHuffman = config.stagesOf(l.name()).stages().stream().anyMatch(Stage.Huffman.class::isInstance);
      f = fit(l, bits, aware ? rDiag : null, anyHuffman);
      fitted.put(l.name(), f);
    }
    // Huffman coded where that is smaller (DeepCompressedTensor.huffmanIfSmaller)
    return huffman && f.huffman.encodedLength() <= f.fixed.encodedLength() ? f.huffman : f.fixed;
  }

  /** The report's codebook entry of a layer fitted here, or null. */
  Map<String, Object> codebook(String layer) {
    Fitted f = fitted.get(layer);
    if (f == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    double[] c = new double[f.codebook.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = f.codebook[i];
    }
    m.put("centroids", c);
    m.put("counts", f.counts.clone());
    if (f.histogram != null) {
      int b = f.histogram.length;
      double w = f.max > f.min ? (f.max - f.min) / b : 1;
      double[] centres = new double[b];
      for (int i = 0; i < b; i++) {
        centres[i] = f.min + (i + 0.5) * w;
      }
      m.put("histogram", Map.of("centres", centres, "counts", f.histogram.clone()));
    }
    m.put("distributed", f.onFile ? "weights read from the model file by the executors"
        : "weights sent from the driver (computed there by LNR)");
    return m;
  }

  private Fitted fit(Layer l, int bits, double[] colW, boolean huffman) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int rows = LayerChain.weightRows(l);
    int cols = LayerChain.weightCols(l);
    Tensor onFile = LayerChain.weightHeld(l) ? null : LayerChain.deferredWeight(l);
    String what = "Layer " + l.name() + " (" + rows + " x " + cols + " weights"
        + (onFile != null ? ", read by the executors from " + onFile.source().describe() : "") + ")";
    LOG.info("{}: weight sharing with 2^{} values, distributed", what, bits);
    jsc.setJobGroup("nncompress-compress", "nncompress compress: distributed weight sharing of " + l.name(), false);
    JavaPairRDD<Long, float[]> rowRdd = (onFile != null ? DistributedRows.fromSource(jsc, onFile.source(), rows, cols)
        : DistributedRows.fromMatrix(jsc, LayerChain.weight(l))).persist(StorageLevel.MEMORY_AND_DISK());
    JavaPairRDD<Long, byte[]> codes = null;
    try {
      DistributedWeightSharing.Result r = DistributedWeightSharing.fit(rowRdd, new DistributedWeightSharing.Options()
          .bits(bits).collectThreshold(0).columnWeights(colW));
      codes = r.codes.persist(StorageLevel.MEMORY_AND_DISK());
      int k = 1 << bits;
      List<CodeStreams.Piece> fixed = new ArrayList<>(codes.mapPartitionsWithIndex(CodeStreams.fixedWidth(cols, bits),
          true).collect());
      long[] counts = new long[k];
      for (CodeStreams.Piece p : fixed) {
        for (int c = 0; c < k; c++) {
          counts[c] += p.counts[c];
        }
      }
      Fitted f = new Fitted();
      f.bits = bits;
      f.codebook = r.codebook;
      f.counts = counts;
      f.min = r.min;
      f.max = r.max;
      f.histogram = r.histogram;
      f.onFile = onFile != null;
      f.fixed = new Encoded(new EncodedBytes(DeepCompressedTensor.CODEC, rows, cols,
          DeepCompressedTensor.assembleDense(rows, cols, bits, r.codebook, false, CodeStreams.join(fixed, rows, null))),
          r.codebook, counts);
      if (huffman) {
        HuffmanCode code = HuffmanCode.fromFrequencies(counts, HuffmanCode.DEFAULT_MAX_LENGTH);
        List<CodeStreams.Piece> hp = new ArrayList<>(codes.mapPartitionsWithIndex(
            CodeStreams.huffmanCoded(cols, bits, code.lengths()), true).collect());
        f.huffman = new Encoded(new EncodedBytes(DeepCompressedTensor.CODEC, rows, cols,
            DeepCompressedTensor.assembleDense(rows, cols, bits, r.codebook, true, CodeStreams.join(hp, rows, code))),
            r.codebook, counts);
      }
      LOG.info("{}: {} weights in [{}, {}], codebook from {} histogram bins; {} bytes fixed-width{}", what, r.count,
          r.min, r.max, r.nonEmptyBins, f.fixed.encodedLength(),
          f.huffman == null ? "" : ", " + f.huffman.encodedLength() + " bytes Huffman coded");
      return f;
    } catch (BadInputException e) {
      throw new BadInputException(what + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(what + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      Throwable io = cause(e, SafetensorsException.class);
      if (io == null) {
        io = cause(e, UncheckedIOException.class);
      }
      if (io != null) {
        throw new BadInputException(what + ": an executor could not read its rows: " + io.getMessage(), e);
      }
      throw e;
    } finally {
      if (codes != null) {
        codes.unpersist(false);
      }
      rowRdd.unpersist(false);
      jsc.clearJobGroup();
    }
  }

  /** The first n entries of the diagonal of r (R_jj of a layer's inputs, without the bias entry). */
  static double[] diagonal(DenseMatrix r, int n) {
    double[] d = new double[n];
    for (int j = 0; j < n; j++) {
      d[j] = r.get(j, j);
    }
    return d;
  }

  private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }
}
