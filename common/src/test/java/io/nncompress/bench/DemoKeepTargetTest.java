package io.nncompress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nncompress.data.LabeledImages;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo's fc1 (784 inputs, statistics of the 60,000 training images) at its target, keep
 * fraction 0.8 (627 inputs), with the demo's solver tolerance 1e-4: the path search meets the count
 * exactly. At that tolerance the kept count flickers near the target, and a search that called a
 * bracket of 1e-6 relative a tie stopped at 628 and warned that the target could not be met.
 */
class DemoKeepTargetTest {
  @Test
  void demoFc1MeetsItsKeepFractionExactly() throws Exception {
    assumeTrue(Files.isDirectory(LabeledImages.FASHION_MNIST_DIR), "Debian's dataset-fashion-mnist");
    Map<String, GroupLassoProblem> layers = DemoLayers.load(Path.of("..").toAbsolutePath().normalize(),
        LabeledImages.FASHION_MNIST_DIR, 60_000);
    LambdaSearch.Result r = new LambdaSearch(GroupLassoSolver.defaults().tolerance(1e-4).maxIterations(20_000))
        .search(layers.get("fc1"), LambdaSearch.Target.keepFraction(0.8));
    assertEquals(627, r.solution.keptGroupCount(), "fc1 kept inputs");
    assertTrue(r.targetReached);
  }
}
