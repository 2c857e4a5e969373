package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/nncompress builds when a source is newer than the jar, and then not again. Maven's jar plugin leaves
 * a jar whose classes did not change as it was: after a change to common/ alone, spark-jobs' jar kept its
 * old time and every later run built again (about a minute each). The launcher runs in a copy of the
 * repository's layout with stand-ins for mvn (which, like the jar plugin, writes the jar only when it is
 * missing) and java.
 */
class LauncherBuildTest {
  @TempDir
  Path root;

  @Test
  void aChangeToCommonAloneIsBuiltOnce() throws Exception {
    Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    Files.createDirectories(root.resolve("bin"));
    Files.copy(repo.resolve("bin/nncompress"), root.resolve("bin/nncompress"));
    Path common = Files.createDirectories(root.resolve("common/src/main")).resolve("A.java");
    Files.writeString(common, "class A {}\n");
    Files.writeString(Files.createDirectories(root.resolve("spark-jobs/src/main")).resolve("B.java"), "class B {}\n");
    for (String pom : new String[] {"pom.xml", "common/pom.xml", "spark-jobs/pom.xml"}) {
      Files.writeString(root.resolve(pom), "<project/>\n");
    }
    Path tools = Files.createDirectories(root.resolve("tools"));
    script(tools.resolve("mvn"), "echo build >> \"" + root.resolve("builds.log") + "\"\n"
        + "mkdir -p spark-jobs/target\n"
        + "[ -f spark-jobs/target/nncompress-spark-jobs-0.1.0-SNAPSHOT.jar ]"
        + " || echo jar > spark-jobs/target/nncompress-spark-jobs-0.1.0-SNAPSHOT.jar\n"
        + "echo /lib.jar > spark-jobs/target/classpath.txt\n");
    script(tools.resolve("java"), "echo ran\n");

    assertEquals(1, run(), "the first run builds");
    assertEquals(1, run(), "nothing changed");
    Path jar = root.resolve("spark-jobs/target/nncompress-spark-jobs-0.1.0-SNAPSHOT.jar");
    Instant now = Instant.now();
    Files.setLastModifiedTime(jar, FileTime.from(now.minusSeconds(60)));
    Files.setLastModifiedTime(common, FileTime.from(now.minusSeconds(30)));
    assertEquals(2, run(), "common/ changed");
    assertEquals(2, run(), "built after the change: not again");
  }

  private static void script(Path p, String body) throws IOException {
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Runs bin/nncompress --version; returns the builds so far. */
  private int run() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("bin/nncompress").toString(), "--version")
        .directory(root.toFile()).redirectErrorStream(true);
    pb.environment().put("PATH", root.resolve("tools") + ":" + System.getenv("PATH"));
    pb.environment().put("NNCOMPRESS_CDS", "off");
    pb.environment().put("OPENBLAS_CORETYPE", "Haswell");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.endsWith("ran\n"), out);
    Path log = root.resolve("builds.log");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }
}
