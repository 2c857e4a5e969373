package io.nncompress.compress;

import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Layers solved by one {@link LnrCompressor} that another compression of the same network may take
 * instead of solving them again: the same layer, output rows and target on the very same statistics
 * (the same {@link AutocorrelationStats} object, as a statistics source that keeps its passes hands
 * out) with the same solver is the same problem, whatever the chaining strategy. Parallel and
 * top-down solve the first layer on the network's input statistics with every output row; parallel
 * and bottom-up the last layer. The demo runs the three strategies with one of these. Each taker gets
 * its own copy (the compressor fills in reports afterwards).
 */
public final class SharedSolves {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedSolves.class);
  private static final class Entry {
    final Network network;
    final AutocorrelationStats stats;
    final Object solver;
    final String key;
    final byte[] solved;

    Entry(Network network, AutocorrelationStats stats, Object solver, String key, byte[] solved) {
      this.network = network;
      this.stats = stats;
      this.solver = solver;
      this.key = key;
      this.solved = solved;
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private int reused;

  /** How many layers were taken instead of solved. */
  public synchronized int reused() {
    return reused;
  }

  /**
   * A copy of {@code layer} as solved before for the same problem (the same network, statistics and
   * solver objects, the same output rows and target) in {@code shared}, or what {@code solve} gives,
   * then kept there; with no {@code shared} or no {@code stats} (a problem of one strategy's own), what
   * {@code solve} gives.
   */
  static LnrCompressor.SolvedLayer once(SharedSolves shared, Network network, AutocorrelationStats stats,
      Object solver, String layer, int[] rows, LambdaSearch.Target target,
      java.util.function.Supplier<LnrCompressor.SolvedLayer> solve) {
    if (shared == null || stats == null) {
      return solve.get();
    }
    String key = layer + "|" + Arrays.toString(rows) + "|" + target;
    LnrCompressor.SolvedLayer same = shared.get(network, stats, solver, key);
    if (same != null) {
      LOG.info("Layer {}: the same problem as solved for another strategy ({} inputs kept): taken from it", layer,
          same.keptGroups.length);
      return same;
    }
    LnrCompressor.SolvedLayer s = solve.get();
    shared.put(network, stats, solver, key, s);
    return s;
  }

  // a copy of the layer solved for the same problem, or null
  private synchronized LnrCompressor.SolvedLayer get(Network network, AutocorrelationStats stats, Object solver, String key) {
    for (Entry e : entries) {
      if (e.network == network && e.stats == stats && e.solver == solver && e.key.equals(key)) {
        reused++;
        return (LnrCompressor.SolvedLayer) read(e.solved);
      }
    }
    return null;
  }

  private synchronized void put(Network network, AutocorrelationStats stats, Object solver, String key,
      LnrCompressor.SolvedLayer solved) {
    entries.add(new Entry(network, stats, solver, key, write(solved)));
  }

  private static byte[] write(Object o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static Object read(byte[] b) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return in.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
