package io.nncompress.linalg;

/**
 * Whether {@link VectorKernels} can run in this JVM: {@code jdk.incubator.vector} is an incubator module,
 * resolved only when the JVM was started with {@code --add-modules jdk.incubator.vector}. Without it the
 * kernels' classes fail to link; this class finds out without linking them first, so that nothing else
 * refers to them before the answer is known.
 */
final class VectorKernelsProbe {
  private static final String REASON = probe();

  private VectorKernelsProbe() {
  }

  static boolean available() {
    return REASON == null;
  }

  /** Why the kernels are unavailable, or null. */
  static String reason() {
    return REASON;
  }

  private static String probe() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "module jdk.incubator.vector is not in the boot layer";
    }
    try {
      // a 3 x 2 x 2 product through the kernels: links them and checks one value
      double[] a = {1, 2, 3, 4, 5, 6};
      double[] b = {1, 0, 0, 1};
      double[] c = new double[6];
      VectorKernels.dgemm("N", "N", 3, 2, 2, 1.0, a, 0, 3, b, 0, 2, 0.0, c, 0, 3);
      return c[5] == 6.0 ? null : "the self-check gave " + c[5] + " instead of 6";
    } catch (Throwable t) { // LinkageError when the module is missing, anything else from an odd JVM
      return t.toString();
    }
  }
}
