package io.nncompress.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.LayerInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/pytorch/nncompress_dump.py on a real torch model (Linear -> ReLU -> Linear with a residual
 * add on [B, T, d] inputs, and a Conv2d): its dump is ingested and equals the inputs the test
 * computes without hooks; its safetensors file is read by SafetensorsReader with the same values.
 * Needs python3-torch: without it the test fails (CI installs it), it does not skip.
 */
class DumpScriptTest {
  static final String TORCH = String.join("\n",
      "import sys, os, json, numpy as np, torch",
      "from nncompress_dump import dump_activations, save_safetensors, load_safetensors",
      "out = sys.argv[1]",
      "torch.manual_seed(0)",
      "class Net(torch.nn.Module):",
      "    def __init__(self):",
      "        super().__init__()",
      "        self.fc1 = torch.nn.Linear(8, 16)",
      "        self.fc2 = torch.nn.Linear(16, 8)",
      "        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)",
      "        self.bn = torch.nn.BatchNorm2d(4)",
      "        self.unused = torch.nn.Linear(2, 2)",
      "    def forward(self, x, img):",
      "        return self.fc2(torch.relu(self.fc1(x))) + x, self.bn(self.conv(img))",
      "net = Net().eval()",
      "batches = [(torch.randn(3, 5, 8), torch.randn(3, 3, 5, 5)) for _ in range(4)]",
      "summary = dump_activations(net, ['fc1', 'fc2', 'conv'], batches, out + '/dump', rows_per_shard=25)",
      // the inputs computed without hooks, batch by batch as the model ran them
      "with torch.no_grad():",
      "    exp = {'fc1': torch.cat([x.reshape(-1, 8) for x, _ in batches]),",
      "           'fc2': torch.cat([torch.relu(net.fc1(x)).reshape(-1, 16) for x, _ in batches]),",
      "           'conv': torch.cat([img.reshape(img.shape[0], -1) for _, img in batches])}",
      // the conv's patches as PyTorch itself cuts them (unfold: the (c, i, j) order of its weight), [B*25, 27]
      "exp['conv-patches'] = torch.cat([torch.nn.functional.unfold(img, 3, padding=1).transpose(1, 2).reshape(-1, 27)",
      "                                 for _, img in batches])",
      "for k, v in exp.items():",
      "    v.numpy().astype('<f4').tofile(f'{out}/expected-{k}.bin')",
      "for names, what in ((['unused'], 'never called'), (['nope'], 'not modules of the model')):",
      "    try:",
      "        dump_activations(net, names, batches, out + '/other-' + names[0])",
      "        raise SystemExit('no error for ' + str(names))",
      "    except ValueError as e:",
      "        assert what in str(e) and names[0] in str(e), e",
      "sd = net.state_dict()",
      "save_safetensors(sd, out + '/model.safetensors', metadata={'format': 'pt'})",
      "for k, v in sd.items():",
      "    v.double().numpy().astype('<f8').tofile(f'{out}/state-{k}.bin')",
      "back = load_safetensors(out + '/model.safetensors')",
      "assert set(back) == set(sd), (set(back), set(sd))",
      "for k in sd:",
      "    want = sd[k].float() if sd[k].is_floating_point() else sd[k]",
      "    assert back[k].dtype == want.dtype and torch.equal(back[k], want), k",
      "print(json.dumps({k: sd[k].dtype == torch.int64 for k in sd}))",
      "print(json.dumps(summary))");

  @TempDir
  static Path dir;
  static SparkSession spark;
  static List<LayerShards> layers;
  static String stdout;

  @BeforeAll
  static void dumpAndIngest() throws Exception {
    Process p = new ProcessBuilder(Python.PYTHON, "-c", "import torch; print(torch.__version__)")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), () -> "python3-torch is missing: " + Python.PYTHON + " cannot import torch, so "
        + "deploy/pytorch/nncompress_dump.py cannot be tested (apt-get install python3-torch; CI installs it):\n" + out);
    spark = SparkTestSession.get();
    stdout = Python.run(TORCH, dir.toString());
    layers = new ShardIngest(spark, new ShardIngest.Options()).run(dir.resolve("dump").toString(),
        dir.resolve("acts").toString(), false);
  }

  @Test
  void ingestedRowsEqualTheInputsComputedWithoutHooks() throws IOException {
    Map<String, int[]> want = Map.of("fc1", new int[] {60, 8, 3}, "fc2", new int[] {60, 16, 3},
        "conv", new int[] {12, 75, 1});
    assertEquals(List.of("conv", "fc1", "fc2"), layers.stream().map(l -> l.name).toList());
    for (LayerShards l : layers) {
      int[] w = want.get(l.name);
      assertEquals(w[0], l.rows(), l.name + " rows");
      assertEquals(w[1], l.d(), l.name + " d");
      assertEquals(w[2], l.files, l.name + " shards (25 rows each, the last one fewer)");
      assertArrayEquals(Python.floats(dir.resolve("expected-" + l.name + ".bin")),
          Python.ingested(spark, dir.resolve("acts").resolve(l.name), "input", l.d()), 0f, l.name);
    }
  }

  @Test
  void theConvLayerSpecComesFromTheHooksLayerJsonAndAutocorrTakesIt() throws IOException {
    LayerShards conv = layers.get(0);
    String dataset = dir.resolve("acts/conv").toString();
    String spec = conv.autocorrLayer(dataset, "input");
    assertEquals("name=conv,dataset=" + dataset + ",column=input,shape=3x5x5,kernel=3,stride=1,padding=1,dilation=1",
        spec);
    AutocorrelationJob.LayerResult r = new AutocorrelationJob(spark, new AutocorrelationJob.Options())
        .compute(List.of(LayerInput.parse(spec))).get(0);
    assertEquals(27, r.dim, "patches of 3 x 3 x 3");
    assertEquals(12 * 25, r.samples, "12 maps of 5 x 5 output positions each");
    // the layout is the one nncompress's conv layers read: R equals R of PyTorch's own patches
    var want = ShardIngestTest.direct(Python.floats(dir.resolve("expected-conv-patches.bin")), 27);
    double scale = 0;
    for (double v : want.data) {
      scale = Math.max(scale, Math.abs(v));
    }
    double rel = want.maxAbsDiff(r.stats.autocorrelation()) / scale;
    assertTrue(rel <= 1e-12, "relative difference " + rel);
    assertEquals("name=fc1,dataset=x,column=input", layers.get(1).autocorrLayer("x", "input"));
  }

  @Test
  void saveSafetensorsIsReadBySafetensorsReaderWithTheSameValues() throws IOException {
    SafetensorsFile f = SafetensorsReader.read(dir.resolve("model.safetensors"));
    assertEquals(Set.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "conv.weight", "conv.bias", "bn.weight",
        "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "unused.weight", "unused.bias"),
        f.names());
    assertEquals("pt", f.metadata().get("format"));
    assertArrayEquals(new long[] {16, 8}, f.get("fc1.weight").shape());
    assertArrayEquals(new long[] {4, 3, 3, 3}, f.get("conv.weight").shape());
    assertEquals("I64", f.get("bn.num_batches_tracked").dtype.name());
    for (String name : f.names()) {
      Tensor t = f.get(name);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
          dir.resolve("state-" + name + ".bin"))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      double[] want = new double[b.remaining() / 8];
      b.asDoubleBuffer().get(want);
      if (!name.equals("bn.num_batches_tracked")) {
        assertEquals("F32", t.dtype.name(), name);
        for (int k = 0; k < want.length; k++) {
          want[k] = (float) want[k];
        }
      }
      assertArrayEquals(want, t.values(), 0.0, name);
    }
    assertTrue(stdout.contains("\"conv\": {\"rows\": 12, \"d\": 75, \"shards\": 1, \"shape\": [3, 5, 5]}"), stdout);
  }
}
