package io.nncompress.compress;

import io.nncompress.codec.DeepCompression;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.lowrank.ActivationAwareLowRank;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stages a layer's weight goes through after LNR, e.g. {@code prune(0.5) -> kmeans(4) -> huffman}.
 *
 * <p>Stages (arguments in parentheses):
 * <ul>
 *   <li>Deep Compression, in this order, each optional: {@code prune(s)} magnitude pruning to
 *       sparsity s, or {@code prune_obd(s)} by the saliency w_ij^2 R_jj; {@code kmeans(b)} weight
 *       sharing with 2^b exact 1-D k-means values, or {@code kmeans_aware(b)} weighted by R_jj;
 *       {@code huffman} Huffman coding of the indices and gaps;</li>
 *   <li>or one of: {@code svd(energy=f | rank=r | error=e)} truncated SVD, {@code svd_aware(...)}
 *       activation-aware low rank on R; {@code uniform(b)} / {@code uniform(b,row)} affine
 *       quantization per tensor / per output row; {@code binary}; {@code pq(len,k)} product
 *       quantization of sub-vectors of about len columns (the largest divisor of d at most len),
 *       k centroids per block; {@code rq(len,k,t)} residual quantization in t stages; {@code hashed(K)} /
 *       {@code hashed_aware(K)} the hashing trick with K buckets.</li>
 * </ul>
 * Sizes are always the bytes of the encoded form.
 */
public final class StagePlan {
  private static final Pattern STAGE = Pattern.compile("([a-z_]+)(?:\\(([^)]*)\\))?");
  private static final List<String> DEEP = List.of("prune", "prune_obd", "kmeans", "kmeans_aware", "huffman");
  private static final List<String> OTHER = List.of("svd", "svd_aware", "uniform", "binary", "pq", "rq", "hashed",
      "hashed_aware");

  /** One parsed stage. */
  public static final class Stage {
    public final String name;
    public final List<String> args;
    public final String text;

    Stage(String name, List<String> args, String text) {
      this.name = name;
      this.args = args;
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private final List<Stage> stages;

  private StagePlan(List<Stage> stages) {
    this.stages = stages;
  }

  public static StagePlan none() {
    return new StagePlan(List.of());
  }

  /** Parses {@code a -> b(1) -> c} (or a list of stage strings); errors name the stage and what is allowed. */
  public static StagePlan parse(List<String> items) {
    List<Stage> out = new ArrayList<>();
    for (String item : items) {
      for (String part : item.split("->")) {
        String s = part.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
          continue;
        }
        Matcher m = STAGE.matcher(s);
        if (!m.matches()) {
          throw new IllegalArgumentException("stage '" + part.trim() + "' is not name or name(args)");
        }
        String name = m.group(1);
        if (!DEEP.contains(name) && !OTHER.contains(name)) {
          List<String> all = new ArrayList<>(DEEP);
          all.addAll(OTHER);
          throw new IllegalArgumentException("unknown stage '" + name + "', allowed: " + all);
        }
        List<String> args = new ArrayList<>();
        if (m.group(2) != null && !m.group(2).isBlank()) {
          for (String a : m.group(2).split(",")) {
            args.add(a.trim());
          }
        }
        out.add(new Stage(name, args, s));
      }
    }
    StagePlan p = new StagePlan(Collections.unmodifiableList(out));
    p.validate();
    return p;
  }

  public static StagePlan parse(String plan) {
    return parse(List.of(plan));
  }

  public List<Stage> stages() {
    return stages;
  }

  public boolean isEmpty() {
    return stages.isEmpty();
  }

  /** Whether a stage needs the layer's input statistics R. */
  public boolean needsStatistics() {
    return stages.stream().anyMatch(s -> s.name.endsWith("_aware") || s.name.equals("prune_obd"));
  }

  /** The plan of the first n stages. */
  public StagePlan prefix(int n) {
    return new StagePlan(stages.subList(0, n));
  }

  private void validate() {
    boolean other = stages.stream().anyMatch(s -> OTHER.contains(s.name));
    if (other && stages.size() > 1) {
      throw new IllegalArgumentException("stages " + stages + ": " + "svd, svd_aware, uniform, binary, pq, rq, "
          + "hashed and hashed_aware stand alone after LNR, not chained with other stages");
    }
    int last = -1;
    for (Stage s : stages) {
      int order = DEEP.indexOf(s.name) < 0 ? 99 : (s.name.startsWith("prune") ? 0 : s.name.startsWith("kmeans") ? 1 : 2);
      if (order <= last && order != 99) {
        throw new IllegalArgumentException("stages " + stages + ": Deep Compression stages go prune -> kmeans -> "
            + "huffman, each at most once");
      }
      last = order;
    }
    DeepCompression.Config c = deepConfig(stages);
    if (c != null && c.huffman && c.bits == 0 && c.sparsity == 0) {
      throw new IllegalArgumentException("stages " + stages + ": huffman needs kmeans or prune before it");
    }
    // check every argument once, on a tiny matrix
    encode(new DenseMatrix(4, 4, new double[] {1, -2, 3, -4, 5, -6, 7, -8, 9, -1, 2, -3, 4, -5, 6, -7}),
        DenseMatrix.identity(4), true);
  }

  private static DeepCompression.Config deepConfig(List<Stage> stages) {
    DeepCompression.Config c = null;
    for (Stage s : stages) {
      if (!DEEP.contains(s.name)) {
        return null;
      }
      if (c == null) {
        c = DeepCompression.Config.defaults().bits(0).huffman(false).solver(WeightSharing.Solver.OPTIMAL);
      }
      switch (s.name) {
        case "prune":
        case "prune_obd":
          c = c.sparsity(number(s, 0, "sparsity")).dataAware(s.name.equals("prune_obd") || c.dataAware);
          break;
        case "kmeans":
        case "kmeans_aware":
          c = c.bits(integer(s, 0, "bits")).dataAware(s.name.equals("kmeans_aware") || c.dataAware);
          break;
        default:
          c = c.huffman(true);
      }
    }
    return c;
  }

  /**
   * Encodes a weight matrix (h x d). {@code r} is the d x d autocorrelation of the layer's inputs
   * (without the bias), needed by the data-aware stages (null otherwise).
   */
  public EncodedTensor encode(DenseMatrix w, DenseMatrix r) {
    return encode(w, r, false);
  }

  private EncodedTensor encode(DenseMatrix w, DenseMatrix r, boolean check) {
    if (stages.isEmpty()) {
      return RawFloat32Tensor.of(w);
    }
    DeepCompression.Config dc = deepConfig(stages);
    if (dc != null) {
      double[] rDiag = null;
      if (dc.dataAware) {
        rDiag = new double[w.cols];
        for (int j = 0; j < w.cols; j++) {
          rDiag[j] = r.get(j, j);
        }
      }
      if (check) {
        return null; // the config's constructor validated the arguments
      }
      return DeepCompression.compress(w, rDiag, dc);
    }
    Stage s = stages.get(0);
    switch (s.name) {
      case "svd":
      case "svd_aware": {
        RankSelector sel = rank(s, Math.min(w.rows, w.cols));
        if (check) {
          return null;
        }
        return LowRankTensor.encodeSmallest(s.name.equals("svd") ? TruncatedSvd.factor(w, sel)
            : ActivationAwareLowRank.factor(w, r, sel));
      }
      case "uniform": {
        int bits = integer(s, 0, "bits");
        UniformQuantizer.Granularity g = s.args.size() > 1 && s.args.get(1).equals("row")
            ? UniformQuantizer.Granularity.PER_ROW : UniformQuantizer.Granularity.PER_TENSOR;
        if (s.args.size() > 1 && !s.args.get(1).equals("row") && !s.args.get(1).equals("tensor")) {
          throw new IllegalArgumentException("stage " + s + ": the second argument must be row or tensor");
        }
        if (check) {
          if (bits < UniformQuantizer.MIN_BITS || bits > UniformQuantizer.MAX_BITS) {
            throw new IllegalArgumentException("stage " + s + ": bits must be in 2..8, cannot be: " + bits);
          }
          return null;
        }
        return UniformQuantizer.quantize(w, bits, g);
      }
      case "binary":
        return check ? null : BinaryQuantizer.quantize(w);
      case "pq": {
        int len = integer(s, 0, "sub-vector length");
        int k = integer(s, 1, "clusters");
        return check ? null : VectorQuantizer.product(w, blocks(w.cols, len), Math.min(k, w.rows), 0L);
      }
      case "rq": {
        int len = integer(s, 0, "sub-vector length");
        int k = integer(s, 1, "clusters");
        int t = integer(s, 2, "stages");
        return check ? null : VectorQuantizer.residual(w, blocks(w.cols, len), Math.min(k, w.rows), t, 0L);
      }
      case "hashed":
      case "hashed_aware": {
        int k = integer(s, 0, "buckets");
        if (check) {
          if (k < 1) {
            throw new IllegalArgumentException("stage " + s + ": buckets must be at least 1, cannot be: " + k);
          }
          return null;
        }
        int kk = Math.min(k, w.rows * w.cols);
        return s.name.equals("hashed") ? HashedWeights.fitToWeights(w, kk, 0L) : HashedWeights.fitToData(w, r, kk, 0L);
      }
      default:
        throw new IllegalStateException(s.name);
    }
  }

  // sub-blocks of sub-vectors about len long: d / (the largest divisor of d that is at most len)
  static int blocks(int d, int len) {
    if (len < 1) {
      throw new IllegalArgumentException("sub-vector length must be at least 1, cannot be: " + len);
    }
    int l = Math.min(len, d);
    while (d % l != 0) {
      l--;
    }
    return d / l;
  }

  private static RankSelector rank(Stage s, int maxRank) {
    if (s.args.size() != 1 || !s.args.get(0).contains("=")) {
      throw new IllegalArgumentException("stage " + s + " takes one of energy=F, rank=R, error=E");
    }
    String[] kv = s.args.get(0).split("=", 2);
    double v;
    try {
      v = Double.parseDouble(kv[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + kv[0] + " must be a number, cannot be: " + kv[1]);
    }
    switch (kv[0].trim()) {
      case "energy":
        return RankSelector.energy(v);
      case "rank":
        return RankSelector.fixed((int) Math.min(v, maxRank));
      case "error":
        return RankSelector.maxRelativeError(v);
      default:
        throw new IllegalArgumentException("stage " + s + " takes one of energy=F, rank=R, error=E, cannot take: "
            + kv[0]);
    }
  }

  private static int integer(Stage s, int i, String what) {
    if (s.args.size() <= i) {
      throw new IllegalArgumentException("stage " + s + ": missing argument " + (i + 1) + " (" + what + ")");
    }
    try {
      return Integer.parseInt(s.args.get(i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + what + " must be an integer, cannot be: "
          + s.args.get(i));
    }
  }

  private static double number(Stage s, int i, String what) {
    if (s.args.size() <= i) {
      throw new IllegalArgumentException("stage " + s + ": missing argument " + (i + 1) + " (" + what + ")");
    }
    try {
      return Double.parseDouble(s.args.get(i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + what + " must be a number, cannot be: "
          + s.args.get(i));
    }
  }

  @Override
  public String toString() {
    return stages.isEmpty() ? "none" : String.join(" -> ", stages.stream().map(x -> x.text).toList());
  }
}
