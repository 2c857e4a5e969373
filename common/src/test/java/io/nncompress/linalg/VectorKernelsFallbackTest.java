package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (a spark-submit whose
 * extraJavaOptions lack it) asked for the Vector API kernels: it warns once and runs dgemm and dsyrk on
 * netlib's pure Java instead of failing. With the module, the same run uses the kernels.
 */
class VectorKernelsFallbackTest {

  private static String[] run(boolean withModule) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-Dnncompress.blas=vector",
        "-Ddev.ludovic.netlib.blas.nativeLib=nncompress-no-native-blas.so"));
    if (withModule) {
      cmd.add("--add-modules");
      cmd.add("jdk.incubator.vector");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BlasModeMain.class.getName()));
    File err = File.createTempFile("blas-mode", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
      String stderr = Files.readString(err.toPath());
      assertEquals(0, p.exitValue(), out + stderr);
      return new String[] {out, stderr};
    } finally {
      err.delete();
    }
  }

  @Test
  void withoutTheModuleVectorModeFallsBackToNetlibPureJava() throws Exception {
    String[] r = run(false);
    // A^T A of [1 4; 2 5; 3 6] = [14 32; 32 77]
    assertTrue(r[0].contains("level3=JAVA gemm=14.0,32.0,32.0,77.0 syrk=14.0,32.0,77.0"), r[0] + r[1]);
    assertFalse(r[0].contains("Vector API"), r[0]);
    assertTrue(r[1].contains("the Vector API kernels are not available (module jdk.incubator.vector is not in the "
        + "boot layer)"), r[1]);
  }

  @Test
  void withTheModuleVectorModeRunsTheKernels() throws Exception {
    String[] r = run(true);
    assertTrue(r[0].contains("level3=VECTOR gemm=14.0,32.0,32.0,77.0 syrk=14.0,32.0,77.0"), r[0] + r[1]);
    assertTrue(r[0].contains("dgemm, dsyrk: Vector API, "), r[0]);
  }
}
