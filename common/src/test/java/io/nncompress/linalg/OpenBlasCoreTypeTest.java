package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenBlasCoreTypeTest {
  // flags lines as /proc/cpuinfo prints them (shortened to the relevant part, order kept)
  static final String EMERALD_RAPIDS = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 207\n"
      + "flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 avx512f avx512dq avx512ifma avx512cd"
      + " avx512bw avx512vl avx512vbmi avx512_bf16 avx512_fp16\nbogomips\t: 4599.99\n";
  // an AMD EPYC (family 26, Zen 5) whose environment set OPENBLAS_CORETYPE=Haswell
  static final String ZEN5 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
      + "flags\t\t: fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx f16c bmi1 avx2 bmi2 avx512f avx512dq"
      + " avx512ifma avx512cd avx512bw avx512vl avx512_bf16 avx512vbmi avx512_vnni\n";
  static final String ZEN3 = "flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c bmi1 avx2 bmi2\n";
  static final String KNIGHTS_LANDING = "flags\t\t: fpu sse sse2 fma avx avx2 avx512f avx512pf avx512er avx512cd\n";
  static final String CORE2 = "flags\t\t: fpu sse sse2 ssse3 sse4_1\n";
  // an AVX2 machine without FMA does not exist, but the rule needs both
  static final String AVX2_NO_FMA = "flags\t\t: fpu sse sse2 avx avx2\n";
  // the second "flags" line of another processor must not be read
  static final String TWO_CPUS = "processor\t: 0\nflags\t\t: fpu sse sse2\n\nprocessor\t: 1\nflags\t\t: avx2 fma\n";

  static Map<String, String> cases() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(EMERALD_RAPIDS, "SkylakeX");
    m.put(ZEN5, "SkylakeX");
    m.put(ZEN3, "Haswell");
    m.put(KNIGHTS_LANDING, "Haswell");
    m.put(CORE2, null);
    m.put(AVX2_NO_FMA, null);
    m.put(TWO_CPUS, null);
    m.put("", null);
    return m;
  }

  @Test
  void choosesByInstructionSets() {
    for (Map.Entry<String, String> c : cases().entrySet()) {
      assertEquals(c.getValue(), OpenBlasCoreType.suggest(c.getKey()), c.getKey());
    }
  }

  @Test
  void aSetCoreTypeIsWeakerOnlyWhenItsVectorsAreNarrower() {
    // the case found on the AMD EPYC: Haswell set where SkylakeX kernels run DSYRK 1.8x faster
    assertTrue(OpenBlasCoreType.weaker("Haswell", OpenBlasCoreType.suggest(ZEN5)));
    assertTrue(OpenBlasCoreType.weaker("haswell", "SkylakeX"));
    assertTrue(OpenBlasCoreType.weaker("Zen", "SkylakeX"));
    assertTrue(OpenBlasCoreType.weaker("Prescott", "SkylakeX"));
    assertTrue(OpenBlasCoreType.weaker("SANDYBRIDGE", "Haswell"));
    // the same or wider, or a name the rule does not know: no warning
    assertFalse(OpenBlasCoreType.weaker("SkylakeX", "SkylakeX"));
    assertFalse(OpenBlasCoreType.weaker("CooperLake", "SkylakeX"));
    assertFalse(OpenBlasCoreType.weaker("Haswell", "Haswell"));
    assertFalse(OpenBlasCoreType.weaker("SkylakeX", "Haswell"));
    assertFalse(OpenBlasCoreType.weaker("NeoverseN1", "SkylakeX"));
    assertFalse(OpenBlasCoreType.weaker(null, "SkylakeX"));
    assertFalse(OpenBlasCoreType.weaker("Prescott", null));
  }

  @Test
  void launcherScriptAppliesTheSameRule(@TempDir Path dir) throws Exception {
    Path script = Path.of("..", "bin", "openblas-coretype").toAbsolutePath().normalize();
    int k = 0;
    for (Map.Entry<String, String> c : cases().entrySet()) {
      Path f = dir.resolve("cpuinfo" + k++);
      Files.writeString(f, c.getKey(), StandardCharsets.UTF_8);
      Process p = new ProcessBuilder("bash", script.toString(), f.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertEquals(0, p.waitFor(), out);
      assertEquals(c.getValue() == null ? "" : c.getValue(), out, c.getKey());
    }
  }

  @Test
  void missingCpuinfoSuggestsNothing(@TempDir Path dir) throws Exception {
    Path script = Path.of("..", "bin", "openblas-coretype").toAbsolutePath().normalize();
    Process p = new ProcessBuilder("bash", script.toString(), dir.resolve("absent").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor());
    assertEquals("", out);
    assertNull(OpenBlasCoreType.suggest("processor\t: 0\n"));
  }
}
