package io.nncompress.linalg;

import dev.ludovic.netlib.arpack.ARPACK;
import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place nncompress obtains its BLAS, LAPACK and ARPACK instances (dev.ludovic.netlib).
 *
 * <p>The implementation is chosen by the system property {@value #PROPERTY}:
 * <ul>
 *   <li>{@code auto} (default): native (the system's libblas.so.3, e.g. Debian's OpenBLAS) when it
 *       loads, otherwise the pure-Java fallback ({@code vector}, else {@code java}), with a loud warning;</li>
 *   <li>{@code vector}: the pure-Java fallback with nncompress's own DGEMM and DSYRK on the JDK Vector API
 *       ({@link VectorKernels}; needs {@code --add-modules jdk.incubator.vector}, else {@code java} with a
 *       warning), netlib's pure-Java implementation for the rest;</li>
 *   <li>{@code java}: netlib's pure-Java implementation only (to test and benchmark it);</li>
 *   <li>{@code native}: native or fail.</li>
 * </ul>
 *
 * <p>The level-3 products go through {@link #dgemm} and {@link #dsyrk} here, which call the Vector API
 * kernels in {@code vector} mode and the BLAS instance otherwise.
 */
public final class Blas {
  public static final String PROPERTY = "nncompress.blas";

  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final Blas INSTANCE = choose(System.getProperty(PROPERTY, "auto"));
  // what runs dgemm and dsyrk: the mode's choice unless a benchmark or test switched it
  private static volatile Level3 level3 = INSTANCE.vectorKernels ? Level3.VECTOR
      : INSTANCE.nativeBlas ? Level3.NATIVE : Level3.JAVA;
  private static volatile BLAS level3Blas = INSTANCE.vectorKernels ? null : INSTANCE.blas;

  private final BLAS blas;
  private final LAPACK lapack;
  private final ARPACK arpack;
  private final boolean nativeBlas;
  private final boolean vectorKernels;

  private Blas(BLAS blas, LAPACK lapack, boolean nativeBlas) {
    this(blas, lapack, nativeBlas, false);
  }

  private Blas(BLAS blas, LAPACK lapack, boolean nativeBlas, boolean vectorKernels) {
    this.blas = blas;
    this.lapack = lapack;
    this.arpack = ARPACK.getInstance();
    this.nativeBlas = nativeBlas;
    this.vectorKernels = vectorKernels;
  }

  // netlib's pure-Java BLAS and LAPACK, with the Vector API kernels when asked and the module is there
  private static Blas pureJava(boolean tryVector) {
    boolean vector = tryVector && VectorKernelsProbe.available();
    if (tryVector && !vector) {
      LOG.warn("BLAS: the Vector API kernels are not available ({}): run java with --add-modules "
          + "jdk.incubator.vector; dgemm and dsyrk fall back to netlib's pure Java", VectorKernelsProbe.reason());
    }
    return new Blas(JavaBLAS.getInstance(), JavaLAPACK.getInstance(), false, vector);
  }

  static Blas choose(String mode) {
    switch (mode) {
      case "java":
        LOG.info("BLAS: pure-Java implementation forced by -D{}=java ({})", PROPERTY,
            JavaBLAS.getInstance().getClass().getName());
        return pureJava(false);
      case "vector":
        LOG.info("BLAS: pure-Java implementation with the Vector API kernels forced by -D{}=vector", PROPERTY);
        return pureJava(true);
      case "native":
        return new Blas(NativeBLAS.getInstance(), NativeLAPACK.getInstance(), true);
      case "auto":
        try {
          BLAS b = NativeBLAS.getInstance();
          LAPACK l;
          try {
            l = NativeLAPACK.getInstance();
          } catch (Throwable t) {
            l = JavaLAPACK.getInstance();
          }
          LOG.info("BLAS: native ({}), LAPACK: {}", b.getClass().getName(), l.getClass().getName());
          warnIfKernelsByModel();
          return new Blas(b, l, true);
        } catch (Throwable t) {
          LOG.warn("************************************************************************");
          LOG.warn("* Native BLAS is NOT available ({}).", t.toString());
          Blas fallback = pureJava(true);
          LOG.warn("* Falling back to the pure-Java BLAS: " + (fallback.vectorKernels
              ? "dgemm and dsyrk on nncompress's Vector API kernels (measured 0.4-1x native OpenBLAS's speed), "
                  + "LAPACK and the rest 40-90x slower." : "level-3 routines are 40-90x slower."));
          LOG.warn("* Install Debian's OpenBLAS: apt-get install libopenblas0-pthread");
          LOG.warn("************************************************************************");
          return fallback;
        }
      default:
        throw new IllegalArgumentException(
            "System property " + PROPERTY + " must be one of auto, vector, java, native, cannot be: " + mode);
    }
  }

  // OpenBLAS chooses kernels by CPU model unless told; a model newer than the library gets slow ones
  private static void warnIfKernelsByModel() {
    String suggested = OpenBlasCoreType.suggestForThisMachine();
    if (OpenBlasCoreType.current() == null && suggested != null) {
      LOG.warn("{} is not set: OpenBLAS picks its kernels by CPU model, and a CPU newer than the library gets "
          + "its slow generic kernels (DSYRK 4x slower measured on an Emerald Rapids Xeon with OpenBLAS 0.3.21). "
          + "This CPU supports {}: run through bin/nncompress (it sets it), or export {}={} (on a cluster: "
          + "--conf spark.executorEnv.{}={}).", OpenBlasCoreType.ENV, suggested, OpenBlasCoreType.ENV, suggested,
          OpenBlasCoreType.ENV, suggested);
    } else if (OpenBlasCoreType.weaker(OpenBlasCoreType.current(), suggested)) {
      LOG.warn("{}={} is set, but this CPU supports the wider {} kernels (DSYRK measured 1.8x faster with "
          + "SkylakeX than with Haswell on an AMD EPYC Zen 5): unset it (bin/nncompress then chooses) or export "
          + "{}={} (on a cluster: --conf spark.executorEnv.{}={}).", OpenBlasCoreType.ENV,
          OpenBlasCoreType.current(), suggested, OpenBlasCoreType.ENV, suggested, OpenBlasCoreType.ENV, suggested);
    }
  }

  /** The BLAS in use. */
  public static BLAS blas() {
    return INSTANCE.blas;
  }

  /** The LAPACK in use. */
  public static LAPACK lapack() {
    return INSTANCE.lapack;
  }

  /** The ARPACK in use. */
  public static ARPACK arpack() {
    return INSTANCE.arpack;
  }

  /** Whether {@link #dgemm} and {@link #dsyrk} run the Vector API kernels. */
  public static boolean usesVectorKernels() {
    return level3 == Level3.VECTOR;
  }

  /** What runs {@link #dgemm} and {@link #dsyrk} now. */
  public static Level3 level3() {
    return level3;
  }

  /**
   * Runs {@link #dgemm} and {@link #dsyrk} on {@code kind} in the whole JVM (Spark's local tasks too) until the
   * returned handle is closed, for benchmarks and tests that compare the implementations in one run.
   *
   * @throws IllegalStateException when this JVM cannot run it (no native BLAS, no Vector API module)
   */
  public static Restore useLevel3(Level3 kind) {
    if (!kind.available()) {
      throw new IllegalStateException("BLAS: " + kind.label() + " is not available in this JVM"
          + (kind == Level3.VECTOR ? " (" + VectorKernelsProbe.reason() + ")" : ""));
    }
    Level3 previous = level3;
    set(kind);
    return () -> set(previous);
  }

  private static synchronized void set(Level3 kind) {
    level3Blas = kind == Level3.VECTOR ? null : kind.blas();
    level3 = kind;
  }

  /** Restores the previous level-3 implementation; close() throws nothing. */
  public interface Restore extends AutoCloseable {
    @Override
    void close();
  }

  /** C = alpha op(A) op(B) + beta C (BLAS dgemm), through the kernels of the chosen mode. */
  public static void dgemm(String transa, String transb, int m, int n, int k, double alpha, double[] a, int offa,
      int lda, double[] b, int offb, int ldb, double beta, double[] c, int offc, int ldc) {
    BLAS via = level3Blas;
    if (via == null) {
      VectorKernels.dgemm(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc);
    } else {
      via.dgemm(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc);
    }
  }

  /**
   * {@link #dgemm} on the calling thread alone, for the many small products of a loop (BCD's blocked
   * updates): the Vector API kernels single-threaded when the module is there (native OpenBLAS wakes its
   * threads for every call above a few hundred thousand flops, and its thread count cannot be set per call
   * through netlib), else the level-3 implementation in use.
   */
  public static void dgemmSerial(String transa, String transb, int m, int n, int k, double alpha, double[] a,
      int offa, int lda, double[] b, int offb, int ldb, double beta, double[] c, int offc, int ldc) {
    BLAS via = level3Blas;
    if (via == null || level3 == Level3.NATIVE && VectorKernelsProbe.available()) {
      VectorKernels.dgemmSerial(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc);
    } else {
      via.dgemm(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc);
    }
  }

  /**
   * A += alpha x y^T (BLAS dger, unit strides: x at x[offx..offx+m), y at y[offy], y[offy + incy], ...) in
   * plain Java on the calling thread: one fused multiply-add per entry, column by column.
   */
  public static void dgerSerial(int m, int n, double alpha, double[] x, int offx, double[] y, int offy, int incy,
      double[] a, int offa, int lda) {
    if (m < 0 || n < 0) {
      throw new IllegalArgumentException("Dimensions must not be negative: " + m + ", " + n);
    }
    for (int j = 0; j < n; j++) {
      double s = alpha * y[offy + j * incy];
      if (s == 0.0) {
        continue;
      }
      int col = offa + j * lda;
      for (int i = 0; i < m; i++) {
        a[col + i] = Math.fma(s, x[offx + i], a[col + i]);
      }
    }
  }

  /** {@link #dgemm(String, String, int, int, int, double, double[], int, int, double[], int, int, double, double[],
   * int, int)} with every offset 0. */
  public static void dgemm(String transa, String transb, int m, int n, int k, double alpha, double[] a, int lda,
      double[] b, int ldb, double beta, double[] c, int ldc) {
    dgemm(transa, transb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
  }

  /** {@link #dsyrk(String, String, int, int, double, double[], int, int, double, double[], int, int)} with every
   * offset 0. */
  public static void dsyrk(String uplo, String trans, int n, int k, double alpha, double[] a, int lda, double beta,
      double[] c, int ldc) {
    dsyrk(uplo, trans, n, k, alpha, a, 0, lda, beta, c, 0, ldc);
  }

  /** One triangle of C = alpha op(A) op(A)^T + beta C (BLAS dsyrk), through the kernels of the chosen mode. */
  public static void dsyrk(String uplo, String trans, int n, int k, double alpha, double[] a, int offa, int lda,
      double beta, double[] c, int offc, int ldc) {
    BLAS via = level3Blas;
    if (via == null) {
      VectorKernels.dsyrk(uplo, trans, n, k, alpha, a, offa, lda, beta, c, offc, ldc);
    } else {
      via.dsyrk(uplo, trans, n, k, alpha, a, offa, lda, beta, c, offc, ldc);
    }
  }

  /** Whether BLAS is a native library. */
  public static boolean isNative() {
    return INSTANCE.nativeBlas;
  }

  /** A one-line description for logs and reports, e.g. "native (dev.ludovic.netlib.blas.JNIBLAS)". */
  public static String describe() {
    String kernels = "";
    if (INSTANCE.nativeBlas) {
      String ct = OpenBlasCoreType.current();
      kernels = ct != null ? ", " + OpenBlasCoreType.ENV + "=" + ct : ", kernels by CPU model";
      String suggested = OpenBlasCoreType.suggestForThisMachine();
      if (OpenBlasCoreType.weaker(ct, suggested)) {
        kernels += " although this CPU supports " + suggested;
      }
    }
    if (level3 != (INSTANCE.nativeBlas ? Level3.NATIVE : Level3.JAVA) && level3 != Level3.VECTOR) {
      kernels += "; dgemm, dsyrk: " + level3.label();
    } else if (level3 == Level3.VECTOR) {
      kernels += "; dgemm, dsyrk: Vector API, " + VectorKernels.lanes() + " doubles per vector, "
          + VectorKernels.threads() + " thread(s)";
    }
    return (INSTANCE.nativeBlas ? "native" : "pure-Java") + " BLAS ("
        + INSTANCE.blas.getClass().getSimpleName() + kernels + "), LAPACK ("
        + INSTANCE.lapack.getClass().getSimpleName() + ")";
  }
}
