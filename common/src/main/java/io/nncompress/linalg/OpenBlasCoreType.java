package io.nncompress.linalg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The OpenBLAS kernels that suit this CPU, chosen by its instruction sets.
 *
 * <p>OpenBLAS built with DYNAMIC_ARCH (Debian's libopenblas0-pthread) picks its kernels by CPU
 * model; a CPU newer than the library is not recognised and gets the generic SSE3 kernels
 * ("Prescott"), several times slower (DSYRK about 4x on an Emerald Rapids Xeon with OpenBLAS
 * 0.3.21). The environment variable {@value #ENV} overrides the model check, and must be set before
 * the library loads: {@code bin/nncompress} sets it (through {@code bin/openblas-coretype}, which
 * applies the same rule as {@link #suggest}), and on a cluster it is passed to the executors with
 * {@code spark.executorEnv.OPENBLAS_CORETYPE}.
 */
public final class OpenBlasCoreType {
  /** The environment variable OpenBLAS reads. */
  public static final String ENV = "OPENBLAS_CORETYPE";

  private OpenBlasCoreType() {}

  /**
   * The core type for a CPU described by /proc/cpuinfo text: SkylakeX with AVX-512 (F, CD, BW, DQ,
   * VL), Haswell with AVX2 and FMA, otherwise null (OpenBLAS's own choice is as good as any).
   */
  public static String suggest(String cpuinfo) {
    Set<String> flags = new HashSet<>();
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
        flags.addAll(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
        break;
      }
    }
    if (flags.containsAll(Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))) {
      return "SkylakeX";
    }
    if (flags.containsAll(Set.of("avx2", "fma"))) {
      return "Haswell";
    }
    return null;
  }

  /** The core type for this machine's CPU, or null (also where /proc/cpuinfo does not exist). */
  public static String suggestForThisMachine() {
    Path p = Path.of("/proc/cpuinfo");
    try {
      return Files.isReadable(p) ? suggest(Files.readString(p, StandardCharsets.UTF_8)) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Whether the core type {@code set} (as in {@value #ENV}, any case) uses narrower vectors than
   * {@code suggested}, the result of {@link #suggest}: AVX2 or older kernels on an AVX-512 CPU, or
   * SSE kernels on an AVX2 CPU. A name this rule does not know is never called weaker.
   */
  public static boolean weaker(String set, String suggested) {
    int have = level(set);
    int could = level(suggested);
    return have > 0 && could > 0 && have < could;
  }

  // 3: AVX-512 kernels, 2: AVX2 with FMA, 1: older x86 kernels, 0: a name not known here
  private static int level(String coreType) {
    if (coreType == null) {
      return 0;
    }
    switch (coreType.trim().toUpperCase(java.util.Locale.ROOT)) {
      case "SKYLAKEX": case "COOPERLAKE": case "SAPPHIRERAPIDS":
        return 3;
      case "HASWELL": case "ZEN": case "EXCAVATOR":
        return 2;
      case "KATMAI": case "COPPERMINE": case "NORTHWOOD": case "PRESCOTT": case "BANIAS": case "ATOM":
      case "CORE2": case "PENRYN": case "DUNNINGTON": case "NEHALEM": case "SANDYBRIDGE": case "OPTERON":
      case "OPTERON_SSE3": case "BARCELONA": case "BOBCAT": case "BULLDOZER": case "PILEDRIVER":
      case "STEAMROLLER":
        return 1;
      default:
        return 0;
    }
  }

  /** The value set in this process's environment, or null. */
  public static String current() {
    String v = System.getenv(ENV);
    return v == null || v.isBlank() ? null : v;
  }
}
