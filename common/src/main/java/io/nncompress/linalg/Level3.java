package io.nncompress.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

/**
 * The implementations of the level-3 products ({@link Blas#dgemm}, {@link Blas#dsyrk}): the native BLAS,
 * nncompress's Vector API kernels ({@link VectorKernels}), or netlib's pure Java. {@link Blas} picks one from
 * {@code -Dnncompress.blas}; {@link Blas#useLevel3} switches for benchmarks and tests that compare them in
 * one run.
 */
public enum Level3 {
  NATIVE("native BLAS"),
  VECTOR("Vector API kernels"),
  JAVA("netlib pure Java");

  private final String label;

  Level3(String label) {
    this.label = label;
  }

  /**
   * A short name for tables, e.g. "Vector API kernels"; for JAVA with netlib's class, which is netlib's own
   * VectorBLAS when jdk.incubator.vector is there and F2jBLAS (the slow one) when it is not.
   */
  public String label() {
    return this == JAVA ? label + " (" + JavaBLAS.getInstance().getClass().getSimpleName() + ")" : label;
  }

  /** Whether this JVM can run it: native BLAS loads, or the Vector API module is there. */
  public boolean available() {
    switch (this) {
      case NATIVE:
        try {
          NativeBLAS.getInstance();
          return true;
        } catch (Throwable t) {
          return false;
        }
      case VECTOR:
        return VectorKernelsProbe.available();
      default:
        return true;
    }
  }

  // the netlib instance that runs it (none for VECTOR)
  BLAS blas() {
    return this == NATIVE ? NativeBLAS.getInstance() : JavaBLAS.getInstance();
  }
}
