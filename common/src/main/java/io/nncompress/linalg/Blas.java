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
 *       loads, otherwise the pure-Java fallback, with a loud warning;</li>
 *   <li>{@code java}: always the pure-Java implementation (used to test and benchmark the fallback);</li>
 *   <li>{@code native}: native or fail.</li>
 * </ul>
 */
public final class Blas {
  public static final String PROPERTY = "nncompress.blas";

  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final Blas INSTANCE = choose(System.getProperty(PROPERTY, "auto"));

  private final BLAS blas;
  private final LAPACK lapack;
  private final ARPACK arpack;
  private final boolean nativeBlas;

  private Blas(BLAS blas, LAPACK lapack, boolean nativeBlas) {
    this.blas = blas;
    this.lapack = lapack;
    this.arpack = ARPACK.getInstance();
    this.nativeBlas = nativeBlas;
  }

  static Blas choose(String mode) {
    switch (mode) {
      case "java":
        LOG.info("BLAS: pure-Java implementation forced by -D{}=java ({})", PROPERTY,
            JavaBLAS.getInstance().getClass().getName());
        return new Blas(JavaBLAS.getInstance(), JavaLAPACK.getInstance(), false);
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
          LOG.warn("* Falling back to the pure-Java BLAS: level-3 routines are 40-90x slower.");
          LOG.warn("* Install Debian's OpenBLAS: apt-get install libopenblas0-pthread");
          LOG.warn("************************************************************************");
          return new Blas(JavaBLAS.getInstance(), JavaLAPACK.getInstance(), false);
        }
      default:
        throw new IllegalArgumentException(
            "System property " + PROPERTY + " must be one of auto, java, native, cannot be: " + mode);
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
    return (INSTANCE.nativeBlas ? "native" : "pure-Java") + " BLAS ("
        + INSTANCE.blas.getClass().getSimpleName() + kernels + "), LAPACK ("
        + INSTANCE.lapack.getClass().getSimpleName() + ")";
  }
}
