package io.nncompress.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir
  Path dir;

  private Path write(String name, int magic, int[] dims, byte[] values) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.writeInt(magic);
    for (int n : dims) {
      d.writeInt(n);
    }
    d.write(values);
    Path p = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(b.toByteArray());
    }
    return p;
  }

  /** 3 images of 2x3 with pixel (k, j) = 40*k + j + 250*(j == 5 and k == 2), labels 7, 0, 9. */
  private LabeledImages synthetic() throws IOException {
    byte[] px = new byte[18];
    for (int k = 0; k < 3; k++) {
      for (int j = 0; j < 6; j++) {
        px[k * 6 + j] = (byte) (40 * k + j);
      }
    }
    px[17] = (byte) 255;
    Path im = write("im-idx3-ubyte.gz", 0x803, new int[] {3, 2, 3}, px);
    Path lb = write("lb-idx1-ubyte.gz", 0x801, new int[] {3}, new byte[] {7, 0, 9});
    return LabeledImages.read(im, lb);
  }

  @Test
  void readsPixelsScaledToUnitIntervalAndLabels() throws IOException {
    LabeledImages d = synthetic();
    assertEquals(3, d.size());
    assertEquals(2, d.height);
    assertEquals(3, d.width);
    assertArrayEquals(new int[] {7, 0, 9}, d.labels());
    assertEquals(41 / 255f, d.pixel(1, 1));
    DenseMatrix x = d.batch(new int[] {2, 0});
    assertEquals("6x2", x.shape());
    assertEquals(80 / 255.0, x.get(0, 0));
    assertEquals(1.0, x.get(5, 0)); // byte 0xff is 255, not -1
    assertEquals(3 / 255.0, x.get(3, 1));
    assertArrayEquals(new int[] {9, 7}, d.labels(new int[] {2, 0}));
    assertArrayEquals(d.batch(new int[] {1, 2}).data, d.batch(1, 3).data);
  }

  @Test
  void rejectsBadMagicTruncationAndMismatchNamingTheFile() throws IOException {
    Path badMagic = write("bad-idx3.gz", 0x0d03, new int[] {1, 1, 1}, new byte[1]);
    IOException e = assertThrows(IOException.class, () -> IdxReader.read(badMagic, 3));
    assertTrue(e.getMessage().contains(badMagic.toString()) && e.getMessage().contains("bad magic number 0x00000d03"),
        e.getMessage());
    Path labelsAsImages = write("lab-idx1.gz", 0x801, new int[] {2}, new byte[2]);
    e = assertThrows(IOException.class, () -> IdxReader.read(labelsAsImages, 3));
    assertTrue(e.getMessage().contains("expected 0x00000803"), e.getMessage());
    Path truncated = write("short-idx3.gz", 0x803, new int[] {2, 2, 2}, new byte[7]);
    e = assertThrows(IOException.class, () -> IdxReader.read(truncated, 3));
    assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("need 8 values, the file has 7"),
        e.getMessage());
    Path im = write("im.gz", 0x803, new int[] {2, 1, 1}, new byte[2]);
    Path lb = write("lb.gz", 0x801, new int[] {3}, new byte[3]);
    e = assertThrows(IOException.class, () -> LabeledImages.read(im, lb));
    assertTrue(e.getMessage().contains("2 images, 3 labels"), e.getMessage());
  }

  @Test
  void readsDebianFashionMnistWhenInstalled() throws IOException {
    Path dir = LabeledImages.FASHION_MNIST_DIR;
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(dir.resolve("t10k-labels-idx1-ubyte.gz")),
        "dataset-fashion-mnist not installed");
    LabeledImages test = LabeledImages.fashionMnist(dir, false);
    assertEquals(10000, test.size());
    assertEquals(784, test.features());
    int[] count = new int[10];
    for (int y : test.labels()) {
      count[y]++;
    }
    assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, count);
  }
}
