package io.nncompress.compress;

import io.nncompress.codec.DeepCompression;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.lowrank.ActivationAwareLowRank;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.Spectrum;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizedTensor;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 *   <li>or one of: {@code uniform(b)} / {@code uniform(b,row)} affine quantization per tensor /
 *       per output row; {@code binary}; {@code pq(len,k)} product quantization of sub-vectors of
 *       about len columns (the largest divisor of d at most len), k centroids per block;
 *       {@code rq(len,k,t)} residual quantization in t stages; k may be a budget, {@code bytes=N}
 *       or {@code bits=B} as for hashed below: the most centroids whose encoding fits (at most h);
 *       {@code hashed(K)} /
 *       {@code hashed_aware(K)} the hashing trick with K buckets, or with the most buckets that fit
 *       {@code hashed(bytes=N)} N encoded bytes or {@code hashed(bits=B)} B bits per weight of the
 *       layer (B h d / 8 bytes; at most h d buckets, and {@value HashedWeights#MAX_DATA_AWARE_BUCKETS}
 *       for hashed_aware);</li>
 *   <li>low rank, first, optionally followed by either of the above: {@code svd(...)} truncated
 *       SVD, {@code svd_aware(...)} activation-aware low rank on R, the rank chosen by one of
 *       {@code energy=F} (kept energy), {@code rank=R}, {@code error=E} (relative error),
 *       {@code bytes=N} (the largest rank whose float32 factors take at most N bytes) or
 *       {@code bits=B} (the largest rank whose float32 factors take at most B bits per weight of the
 *       layer, at least rank 1). The layer becomes two layers, x -> Q^T x -> P (Q^T x), when that
 *       holds fewer weights (r (h + d) &lt; h d); otherwise it stays one layer holding P Q^T. Later
 *       stages then apply to each factor as to a layer of its own, with the singular values in the
 *       first ({@link LowRankFactors#singularValuesIntoQ()}: P = U_r, Q^T = S_r V_r^T):
 *       {@code svd(energy=0.95) -> kmeans(5)} shares 2^5 values in Q^T (r x d, whose inputs have R)
 *       and another 2^5 in P (h x r, whose inputs Q^T x have Q^T R Q); to W itself when the layer
 *       stays one.</li>
 * </ul>
 * Sizes are always the bytes of the encoded form.
 */
public final class StagePlan {
  private static final Pattern STAGE = Pattern.compile("([a-z_]+)(?:\\(([^)]*)\\))?");
  private static final List<String> DEEP = List.of("prune", "prune_obd", "kmeans", "kmeans_aware", "huffman");
  private static final List<String> LOW_RANK = List.of("svd", "svd_aware");
  private static final List<String> OTHER = List.of("uniform", "binary", "pq", "rq", "hashed", "hashed_aware");
  // each stage's arguments, in order; uniform's second is optional
  private static final Map<String, List<String>> ARGUMENTS = Map.ofEntries(
      Map.entry("prune", List.of("sparsity")), Map.entry("prune_obd", List.of("sparsity")),
      Map.entry("kmeans", List.of("bits")), Map.entry("kmeans_aware", List.of("bits")),
      Map.entry("huffman", List.of()), Map.entry("uniform", List.of("bits", "row|tensor")),
      Map.entry("binary", List.of()),
      Map.entry("pq", List.of("sub-vector length", "clusters")),
      Map.entry("rq", List.of("sub-vector length", "clusters", "stages")),
      Map.entry("hashed", List.of("buckets")), Map.entry("hashed_aware", List.of("buckets")),
      Map.entry("svd", List.of("rank rule")), Map.entry("svd_aware", List.of("rank rule")));

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
        if (!DEEP.contains(name) && !OTHER.contains(name) && !LOW_RANK.contains(name)) {
          List<String> all = new ArrayList<>(DEEP);
          all.addAll(OTHER);
          all.addAll(LOW_RANK);
          throw new IllegalArgumentException("unknown stage '" + name + "', allowed: " + all);
        }
        List<String> args = new ArrayList<>();
        if (m.group(2) != null && !m.group(2).isBlank()) {
          for (String a : m.group(2).split(",")) {
            args.add(a.trim());
          }
        }
        List<String> allowed = ARGUMENTS.get(name);
        if (args.size() > allowed.size()) {
          throw new IllegalArgumentException("stage " + s + " takes " + (allowed.isEmpty() ? "no arguments"
              : (name.equals("uniform") ? "1 or 2" : allowed.size()) + " argument" + (allowed.size() == 1 ? "" : "s")
              + " (" + String.join(", ", allowed) + ")") + ", not " + args.size());
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
    for (int i = 1; i < stages.size(); i++) {
      if (LOW_RANK.contains(stages.get(i).name)) {
        throw new IllegalArgumentException("stages " + stages + ": " + stages.get(i).name + " must come first (the "
            + "stages after it apply to both factors)");
      }
    }
    if (isLowRank()) {
      // the low-rank stage's own arguments; the rest is a plan of its own, checked as one
      rank(stages.get(0), 4);
      rest().validate();
      return;
    }
    boolean other = stages.stream().anyMatch(s -> OTHER.contains(s.name));
    if (other && stages.size() > 1) {
      throw new IllegalArgumentException("stages " + stages + ": " + "uniform, binary, pq, rq, "
          + "hashed and hashed_aware stand alone (after LNR, or after svd / svd_aware), not chained with other stages");
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

  /** Whether the plan starts with a low-rank stage (svd, svd_aware). */
  public boolean isLowRank() {
    return !stages.isEmpty() && LOW_RANK.contains(stages.get(0).name);
  }

  // the stages after a leading low-rank stage
  private StagePlan rest() {
    return new StagePlan(stages.subList(1, stages.size()));
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
          int bits = integer(s, 0, "bits");
          if (bits < 1 || bits > 8) { // 2^bits shared values
            throw new IllegalArgumentException("stage " + s + ": bits must be in 1..8 (2 to 256 shared values), "
                + "cannot be: " + bits);
          }
          c = c.bits(bits).dataAware(s.name.equals("kmeans_aware") || c.dataAware);
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
    return encodeWithSpectrum(w, r).tensor;
  }

  /** An encoded weight and, when the plan starts with a low-rank stage, the spectrum its rank was chosen on. */
  public static final class Encoded {
    public final EncodedTensor tensor;
    /** Singular values of W (svd) or of W L with R = L L^T (svd_aware); null without a low-rank stage. */
    public final Spectrum spectrum;
    /** The rank chosen (0 without a low-rank stage), kept whether or not the layer was factored. */
    public final int rank;
    /**
     * After a low-rank stage, what the later stages were applied to: Q^T (singular values in) and P
     * for a split layer, P Q^T for one kept whole; empty without later stages or a low-rank stage.
     */
    public final List<DenseMatrix> coded;

    Encoded(EncodedTensor tensor, Spectrum spectrum, int rank) {
      this(tensor, spectrum, rank, List.of());
    }

    Encoded(EncodedTensor tensor, Spectrum spectrum, int rank, List<DenseMatrix> coded) {
      this.tensor = tensor;
      this.spectrum = spectrum;
      this.rank = rank;
      this.coded = coded;
    }
  }

  /** Like {@link #encode}, with the spectrum of a low-rank stage. */
  public Encoded encodeWithSpectrum(DenseMatrix w, DenseMatrix r) {
    if (!isLowRank()) {
      return new Encoded(encode(w, r, false), null, 0);
    }
    Stage s = stages.get(0);
    RankSelector sel = rank(s, Math.min(w.rows, w.cols));
    LowRankFactors f = s.name.equals("svd") ? TruncatedSvd.factor(w, sel) : ActivationAwareLowRank.factor(w, r, sel);
    StagePlan rest = rest();
    LowRankTensor factors = LowRankTensor.of(f);
    if (!LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
      // one layer: P Q^T (float32 factors), then the later stages on it
      DenseMatrix product = factors.decode();
      return new Encoded(rest.encode(product, r, false), f.spectrum, f.rank(),
          rest.isEmpty() ? List.of() : List.of(product));
    }
    if (rest.isEmpty()) {
      return new Encoded(factors, f.spectrum, f.rank());
    }
    // two layers, the singular values in the first: P = U_r is an isometry, so the later stages' error on
    // Q^T is the layer's; Q^T reads x (autocorrelation R), P reads z = Q^T x (autocorrelation Q^T R Q)
    LowRankFactors g = f.singularValuesIntoQ();
    DenseMatrix first = g.q.transpose();
    DenseMatrix rz = null;
    if (r != null) {
      rz = new DenseMatrix(g.rank(), g.rank());
      DenseMatrix rq = r.times(g.q);
      DenseMatrix.gemm(1.0, g.q, true, rq, false, 0.0, rz);
    }
    return new Encoded(new FactoredTensor(rest.encode(first, r, false), rest.encode(g.p, rz, false)), f.spectrum,
        f.rank(), List.of(first, g.p));
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
      case "pq":
      case "rq": {
        boolean product = s.name.equals("pq");
        int len = integer(s, 0, "sub-vector length");
        double budget = s.args.size() > 1 && s.args.get(1).contains("=") ? budgetBytes(s, 1, w.rows, w.cols) : -1;
        int k = budget >= 0 ? 1 : integer(s, 1, "clusters");
        int t = product ? 1 : integer(s, 2, "stages");
        if (len < 1) {
          throw new IllegalArgumentException("stage " + s + ": sub-vector length must be at least 1, cannot be: " + len);
        }
        if (k < 1 || k > VectorQuantizer.MAX_CLUSTERS) {
          throw new IllegalArgumentException("stage " + s + ": clusters must be in 1.." + VectorQuantizer.MAX_CLUSTERS
              + ", cannot be: " + k);
        }
        if (t < 1) {
          throw new IllegalArgumentException("stage " + s + ": stages must be at least 1, cannot be: " + t);
        }
        if (check) {
          return null;
        }
        int blocks = VectorQuantizer.subBlocks(w.cols, len);
        if (budget >= 0) {
          k = VectorQuantizer.clustersWithin(w.rows, w.cols, blocks, t, (long) Math.floor(budget));
          if (k < 1 && s.args.get(1).trim().startsWith("bytes")) {
            throw new IllegalArgumentException("stage " + s + ": " + (long) budget + " bytes do not hold a "
                + w.rows + " x " + w.cols + " matrix with one cluster (" + VectorQuantizedTensor.bytesOf(w.rows, w.cols,
                blocks, 1, t) + " bytes)");
          }
          k = Math.max(1, k); // bits per weight: the smallest encoding when even that is over
        }
        return VectorQuantizer.residual(w, blocks, Math.min(k, w.rows), t, 0L);
      }
      case "hashed":
      case "hashed_aware": {
        int k = buckets(s, w.rows, w.cols);
        if (check) {
          return null;
        }
        int kk = Math.min(k, w.rows * w.cols);
        return s.name.equals("hashed") ? HashedWeights.fitToWeights(w, kk, 0L) : HashedWeights.fitToData(w, r, kk, 0L);
      }
      default:
        throw new IllegalStateException(s.name);
    }
  }

  private static final String RANK_RULES = "one of energy=F, rank=R, error=E, bytes=N, bits=B";

  private static RankSelector rank(Stage s, int maxRank) {
    if (s.args.size() != 1 || !s.args.get(0).contains("=")) {
      throw new IllegalArgumentException("stage " + s + " takes " + RANK_RULES);
    }
    String[] kv = s.args.get(0).split("=", 2);
    double v;
    try {
      v = Double.parseDouble(kv[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + kv[0] + " must be a number, cannot be: " + kv[1]);
    }
    try {
      switch (kv[0].trim()) {
        case "energy":
          return RankSelector.energy(v);
        case "rank":
          return RankSelector.fixed((int) Math.min(v, maxRank));
        case "error":
          return RankSelector.maxRelativeError(v);
        case "bytes":
          return RankSelector.maxBytes(wholeNumber(s, v));
        case "bits":
          return RankSelector.bitsPerWeight(v);
        default:
          throw new IllegalArgumentException("stage " + s + " takes " + RANK_RULES + ", cannot take: " + kv[0]);
      }
    } catch (IllegalArgumentException e) {
      throw e.getMessage().startsWith("stage ") ? e : new IllegalArgumentException("stage " + s + ": "
          + e.getMessage(), e);
    }
  }

  private static long wholeNumber(Stage s, double v) {
    if (v != Math.rint(v) || v < 1) {
      throw new IllegalArgumentException("stage " + s + ": bytes must be a whole number >= 1, cannot be: " + v);
    }
    return (long) v;
  }

  // argument i as bytes=N (N bytes) or bits=B (B bits per weight of a rows x cols matrix): the budget in bytes
  private static double budgetBytes(Stage s, int i, int rows, int cols) {
    String[] kv = s.args.get(i).split("=", 2);
    double v;
    try {
      v = Double.parseDouble(kv[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + kv[0] + " must be a number, cannot be: " + kv[1]);
    }
    switch (kv[0].trim()) {
      case "bytes":
        return wholeNumber(s, v);
      case "bits":
        if (!(v > 0 && v <= 64)) {
          throw new IllegalArgumentException("stage " + s + ": bits per weight must be in (0, 64], cannot be: " + v);
        }
        return v * rows * (double) cols / 8;
      default:
        throw new IllegalArgumentException("stage " + s + " takes " + (s.name.startsWith("hashed") ? "K" : "clusters k")
            + ", bytes=N or bits=B" + (i == 0 ? "" : " as argument " + (i + 1)) + ", cannot take: " + kv[0]);
    }
  }

  // hashed(K), hashed(bytes=N) or hashed(bits=B): the most buckets whose encoded form fits
  private static int buckets(Stage s, int rows, int cols) {
    if (s.args.size() == 1 && s.args.get(0).contains("=")) {
      String[] kv = s.args.get(0).split("=", 2);
      double budget = budgetBytes(s, 0, rows, cols);
      long k = HashedTensor.bucketsWithin((long) Math.floor(budget));
      if (k < 1 && kv[0].trim().equals("bytes")) {
        throw new IllegalArgumentException("stage " + s + ": " + (long) budget + " bytes do not hold one bucket ("
            + HashedTensor.bytesOf(1) + " bytes)");
      }
      long max = (long) rows * cols;
      if (s.name.equals("hashed_aware")) {
        max = Math.min(max, HashedWeights.MAX_DATA_AWARE_BUCKETS);
      }
      return (int) Math.max(1, Math.min(k, max));
    }
    int k = integer(s, 0, "buckets");
    if (k < 1) {
      throw new IllegalArgumentException("stage " + s + ": buckets must be at least 1, cannot be: " + k);
    }
    return k;
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
