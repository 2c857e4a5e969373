package io.nncompress.linalg;

/** Run in a child JVM by {@link VectorKernelsFallbackTest}: prints what runs dgemm and one product. */
public final class BlasModeMain {
  private BlasModeMain() {
  }

  public static void main(String[] args) {
    double[] a = {1, 2, 3, 4, 5, 6}; // 3 x 2
    double[] c = new double[4];
    Blas.dgemm("T", "N", 2, 2, 3, 1.0, a, 3, a, 3, 0.0, c, 2);
    double[] s = new double[4];
    Blas.dsyrk("U", "T", 2, 3, 1.0, a, 3, 0.0, s, 2);
    System.out.println("level3=" + Blas.level3() + " gemm=" + c[0] + "," + c[1] + "," + c[2] + "," + c[3]
        + " syrk=" + s[0] + "," + s[2] + "," + s[3]);
    System.out.println("describe=" + Blas.describe());
  }
}
