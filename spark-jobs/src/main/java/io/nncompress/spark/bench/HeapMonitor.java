package io.nncompress.spark.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The peak of the heap in use right after each garbage collection while it is open: the largest
 * live set of the run, which is what has to fit in an executor (unlike the raw peak, which mostly
 * follows how lazily the collector runs).
 */
final class HeapMonitor implements AutoCloseable {
  private final AtomicLong peakAfterGc = new AtomicLong();
  private final AtomicLong collections = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = (n, handback) -> {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
      used += u.getUsed();
    }
    peakAfterGc.accumulateAndGet(used, Math::max);
    collections.incrementAndGet();
  };

  HeapMonitor() {
    System.gc();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter) {
        NotificationEmitter e = (NotificationEmitter) gc;
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
  }

  /** The largest heap in use after a collection, in bytes (0 if none ran). */
  long peakLiveBytes() {
    return peakAfterGc.get();
  }

  long collections() {
    return collections.get();
  }

  @Override
  public void close() {
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(listener);
      } catch (Exception ignored) {
        // already removed
      }
    }
  }
}
