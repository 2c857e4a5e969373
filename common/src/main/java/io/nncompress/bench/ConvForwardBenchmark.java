package io.nncompress.bench;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.ConvGeometry;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.train.Architectures;
import java.util.Random;

/**
 * Times the forward pass of the conv-net teacher's conv2d layers (im2col + dgemm) against direct
 * convolution loops over the same input (the baseline, measured in the same run), and the whole
 * LeNet-300-100 and conv-net forward passes in samples per second.
 *
 * <pre>
 * mvn -q -o -pl common exec:java -Dexec.mainClass=io.nncompress.bench.ConvForwardBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="512 5"      # batch size, repetitions
 * </pre>
 * Add {@code -Dnncompress.blas=java} (as MAVEN_OPTS or to the exec JVM) to time the pure-Java BLAS.
 */
public final class ConvForwardBenchmark {
  private ConvForwardBenchmark() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.out.println("BLAS: " + Blas.describe() + "; batch " + n + ", best of " + reps);
    Random r = new Random(1);
    Network conv = Architectures.convnet(1);
    DenseMatrix x = new DenseMatrix(784, n);
    for (int k = 0; k < x.data.length; k++) {
      x.data[k] = r.nextDouble();
    }
    DenseMatrix a = x;
    for (Layer l : conv.layers()) {
      if (l instanceof Conv2dLayer) {
        Conv2dLayer c = (Conv2dLayer) l;
        DenseMatrix in = a;
        DenseMatrix[] outs = new DenseMatrix[2];
        double fast = best(reps, () -> outs[0] = c.forward(in));
        double slow = best(reps, () -> outs[1] = direct(c, in));
        System.out.printf("%-40s im2col+dgemm %8.2f ms   direct loops %8.2f ms   speed-up %5.1fx   max|diff| %.1e%n",
            c.toString(), fast * 1e3, slow * 1e3, slow / fast, outs[0].maxAbsDiff(outs[1]));
      }
      a = l.forward(a);
    }
    Network lenet = Architectures.lenet300100(1);
    double tl = best(reps, () -> lenet.forward(x));
    double tc = best(reps, () -> conv.forward(x));
    System.out.printf("forward pass: lenet300100 %.0f samples/s, convnet %.0f samples/s%n", n / tl, n / tc);
  }

  /** Direct convolution: y[o, u, v] = b[o] + sum_{c,i,j} W[o, (c,i,j)] x[c, u*s - p + i*d, v*s - p + j*d]. */
  static DenseMatrix direct(Conv2dLayer c, DenseMatrix x) {
    ConvGeometry g = c.geometry();
    DenseMatrix w = c.weight();
    int o = w.rows;
    int np = g.positions();
    DenseMatrix y = new DenseMatrix(o * np, x.cols);
    for (int s = 0; s < x.cols; s++) {
      int xb = s * x.rows;
      for (int a = 0; a < o; a++) {
        for (int u = 0; u < g.outH; u++) {
          for (int v = 0; v < g.outW; v++) {
            double sum = c.bias() == null ? 0 : c.bias()[a];
            int k = 0;
            for (int ch = 0; ch < g.channels; ch++) {
              for (int i = 0; i < g.kernelH; i++) {
                int yy = u * g.strideH - g.padH + i * g.dilationH;
                for (int j = 0; j < g.kernelW; j++, k++) {
                  int xx = v * g.strideW - g.padW + j * g.dilationW;
                  if (yy >= 0 && yy < g.height && xx >= 0 && xx < g.width) {
                    sum += w.data[a + k * o] * x.data[xb + (ch * g.height + yy) * g.width + xx];
                  }
                }
              }
            }
            y.data[s * y.rows + a * np + u * g.outW + v] = sum;
          }
        }
      }
    }
    return y;
  }

  private static double best(int reps, Runnable task) {
    task.run(); // warm-up
    double best = Double.MAX_VALUE;
    for (int k = 0; k < reps; k++) {
      long t0 = System.nanoTime();
      task.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }
}
