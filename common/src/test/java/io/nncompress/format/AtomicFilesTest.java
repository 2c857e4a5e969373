package io.nncompress.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @Test
  void writtenFilesAreReadableByOthersAndNothingIsLeftBehind(@TempDir Path dir) throws IOException {
    Path w = dir.resolve("model.safetensors");
    SafetensorsWriter.write(w, Map.of("a", Tensor.of(new double[] {1, 2})), Map.of());
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(w)));
    Path f = dir.resolve("x.bin");
    AtomicFiles.write(f, new byte[] {1, 2, 3});
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    // a failing writer leaves the old file as it was and no temporary file
    assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
      out.write(9);
      throw new IOException("disk full");
    }));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    try (var s = Files.list(dir)) {
      assertEquals(List.of("model.safetensors", "x.bin"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }
}
