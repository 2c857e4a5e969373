package io.nncompress.spark.compress;

import io.nncompress.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.model.Network;
import io.nncompress.spark.io.RemoteLikeFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config, spec and weights as Hadoop paths: file:// URIs, and a non-local file system (copied). */
class ModelFilesTest {
  @TempDir
  static Path tmp;
  static final String REMOTE_FS = "spark.hadoop.fs.remotefs.impl=" + RemoteLikeFileSystem.class.getName();

  @BeforeAll
  static void setUp() throws Exception {
    CompressionJobTest.dir = tmp;
    CompressionJobTest.setUp(); // mlp.yaml and mlp.safetensors in tmp, and the train/test datasets
  }

  record Run(int code, String err) {}

  static Run compress(String... args) {
    List<String> a = new ArrayList<>(List.of("--conf", REMOTE_FS, "compress"));
    a.addAll(List.of(args));
    CliRun r = CliRun.of(a);
    return new Run(r.code(), r.err());
  }

  /** The test config with model.spec and model.weights as given, written to tmp/NAME. */
  static Path config(String name, String spec, String weights, String out) throws Exception {
    String yaml = CompressionJobTest.config("", out).replace("spec: " + CompressionJobTest.spec, "spec: " + spec)
        .replace("weights: " + CompressionJobTest.weights, "weights: " + weights);
    return Files.writeString(tmp.resolve(name), yaml);
  }

  @Test
  void fileUrisForConfigSpecAndWeightsRunACompression() throws Exception {
    String out = tmp.resolve("out-uris").toString();
    // spec as an absolute file:// URI, weights relative to the config's folder given as a file:// URI
    Path cfg = config("uris.yaml", "file://" + CompressionJobTest.spec, "mlp.safetensors", out);
    Run r = compress("-c", "file://" + cfg);
    assertEquals(0, r.code(), r.err());
    Network written = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model", "model.safetensors"));
    Network direct = new CompressionJob(CompressionJobTest.spark, CompressionJobTest.parse(CompressionJobTest.config("",
        tmp.resolve("out-direct").toString()))).run(false).finalNetwork;
    assertEquals(0.0, written.forward(CompressionJobTest.x).maxAbsDiff(direct.forward(CompressionJobTest.x)), 1e-6);
  }

  @Test
  void modelFilesOnANonLocalFileSystemAreCopiedAndResolvedAgainstTheRemoteFolder() throws Exception {
    Path cfg = config("remote.yaml", "mlp.yaml", "mlp.safetensors", tmp.resolve("out-remote").toString());
    Configuration conf = new Configuration();
    conf.set("fs.remotefs.impl", RemoteLikeFileSystem.class.getName());
    CompressionConfig c = CompressionConfig.read("remotefs://" + cfg, conf);
    assertEquals("remotefs:" + tmp.resolve("mlp.safetensors"), c.weightsSource);
    assertTrue(c.weightsCopied);
    assertTrue(c.weights.getParent().getFileName().toString().startsWith("nncompress-model-"), c.weights.toString());
    assertEquals(Files.readString(CompressionJobTest.spec), Files.readString(c.spec));
    assertEquals(-1, Files.mismatch(CompressionJobTest.weights, c.weights), "the copy holds the same bytes");
    Run r = compress("-c", "remotefs://" + cfg);
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(tmp.resolve("out-remote/model/model.safetensors")));
  }

  @Test
  void missingRemotePathsAreNamed() throws Exception {
    Run r = compress("-c", "file://" + tmp.resolve("nope.yaml"), "--validate-only");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("nncompress: error: Config file://" + tmp.resolve("nope.yaml") + " cannot be read: "
        + "java.io.FileNotFoundException"), r.err());
    Path cfg = config("missing.yaml", "mlp.yaml", "remotefs:///missing/w.safetensors", tmp.resolve("o").toString());
    r = compress("-c", cfg.toString(), "--validate-only");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("nncompress: error: Config " + cfg + ", key model.weights: remotefs:///missing/"
        + "w.safetensors does not exist"), r.err());
    cfg = config("missing-spec.yaml", "file:///missing/spec.yaml", "mlp.safetensors", tmp.resolve("o").toString());
    r = compress("-c", "file://" + cfg, "--validate-only");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("key model.spec: file:///missing/spec.yaml does not exist"), r.err());
  }
}
