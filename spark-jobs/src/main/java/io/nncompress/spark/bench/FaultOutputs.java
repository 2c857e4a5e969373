package io.nncompress.spark.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/** What {@link FaultInjection} looks at beside an output: its hidden siblings, stderr, the statistics. */
final class FaultOutputs {
  /** Relative tolerance of autocorr's statistics: its partial sums are merged in the order tasks end. */
  static final double TOLERANCE = 1e-12;

  private FaultOutputs() {}

  /**
   * Two compress outputs: the same kept inputs, and the compressed models' outputs on 64 seeded random
   * inputs within TOLERANCE (relative to the largest); or a difference. Their statistics come from the same
   * merge of partial sums in task order as autocorr's, so their floats may differ in the last bits.
   */
  static String sameModel(SparkSession spark, String expected, String actual, int inputs) throws IOException {
    io.nncompress.model.Network e = io.nncompress.spark.compress.CompressedModelStore.load(spark, expected);
    io.nncompress.model.Network a = io.nncompress.spark.compress.CompressedModelStore.load(spark, actual);
    if (!java.util.Arrays.equals(e.inputSelect(), a.inputSelect())) {
      return "the models keep different inputs";
    }
    java.util.Random rnd = new java.util.Random(17);
    io.nncompress.linalg.DenseMatrix x = new io.nncompress.linalg.DenseMatrix(inputs, 64);
    for (int i = 0; i < inputs; i++) {
      for (int s = 0; s < 64; s++) {
        x.set(i, s, rnd.nextGaussian());
      }
    }
    io.nncompress.linalg.DenseMatrix ye = e.forward(x);
    double diff = ye.maxAbsDiff(a.forward(x));
    double scale = ye.maxAbsDiff(new io.nncompress.linalg.DenseMatrix(ye.rows, ye.cols));
    return diff <= TOLERANCE * Math.max(1, scale) ? null : "the compressed models' outputs differ by " + diff;
  }

  /** Two autocorr outputs: N, rows, d, min and max exactly, R and the mean within TOLERANCE; or a difference. */
  static String sameStatistics(SparkSession spark, String expected, String actual) {
    var e = io.nncompress.spark.autocorr.AutocorrelationStore.read(spark, expected);
    var a = io.nncompress.spark.autocorr.AutocorrelationStore.read(spark, actual);
    if (!e.keySet().equals(a.keySet())) {
      return "layers " + a.keySet() + ", expected " + e.keySet();
    }
    for (String l : e.keySet()) {
      io.nncompress.stats.AutocorrelationStats x = e.get(l).stats;
      io.nncompress.stats.AutocorrelationStats y = a.get(l).stats;
      if (x.samples() != y.samples() || x.rows() != y.rows() || x.dim() != y.dim()
          || !java.util.Arrays.equals(x.min(), y.min()) || !java.util.Arrays.equals(x.max(), y.max())) {
        return "layer " + l + ": N, rows, d, min or max differ";
      }
      double rel = x.relativeDifference(y);
      if (!(rel <= TOLERANCE)) {
        return "layer " + l + ": R differs by " + rel + " relative";
      }
      for (int k = 0; k < x.dim(); k++) {
        if (!(Math.abs(x.mean()[k] - y.mean()[k]) <= TOLERANCE * (Math.abs(x.mean()[k]) + 1))) {
          return "layer " + l + ": mean " + k + " differs";
        }
      }
    }
    return null;
  }

  /** The hidden siblings {@code .NAME<kind>*} of an output (kind: .work-, .inprogress-). */
  static List<String> hidden(Path out, String kind) {
    List<String> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(out.getParent())) {
      s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("." + out.getFileName() + kind))
          .filter(f -> !f.contains(".inprogress-probe-")) // AtomicOutput.checkWritable's probe at the start
          .forEach(found::add);
    } catch (IOException | UncheckedIOException e) {
      // the folder is gone or not a folder: nothing there
    }
    return found;
  }

  static boolean checkpoint(Path out, String file) {
    for (String w : hidden(out, ".work-")) {
      if (Files.exists(out.getParent().resolve(w).resolve(file))) {
        return true;
      }
    }
    return false;
  }

  /** What a killed run may leave beside the output (documented as safe to delete). */
  static String leftovers(Path out) {
    List<String> l = hidden(out, ".inprogress-");
    return l.isEmpty() ? "" : "; the killed run's hidden " + l.get(0).replaceAll("inprogress-.*", "inprogress-*")
        + " left beside it";
  }

  /**
   * stderr without the BLAS notice every process prints on a machine whose OPENBLAS_CORETYPE is narrower
   * than its CPU (a WARN, also with -q): it is about the machine, not the fault (HostileInputs, in one
   * process, says it once before its cases).
   */
  static String withoutMachineNotice(String err) {
    return err.lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d WARN Blas: OPENBLAS_CORETYPE=.*"))
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  static String firstLine(String s) {
    return s.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

}
