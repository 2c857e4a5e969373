package io.nncompress.spark.progress;

import io.nncompress.progress.Edge;
import io.nncompress.progress.Eta;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.progress.ProgressEvent;
import java.util.BitSet;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Spark's task progress, reported through {@link Progress}: for every stage, the tasks done of its
 * total with the time left estimated from the time since the stage was submitted ({@link Eta}),
 * as {@code tasks} events with the stage id and the Spark job. The first event of a stage (0 done)
 * and the last (its completion, done = total unless it failed) are edges; those in between are
 * throttled under the key "spark".
 *
 * <p>Events are tagged with the nncompress phase the stage's job was submitted in: opening and
 * closing a phase sets Spark local properties ({@code nncompress.phase}, ...) on the driver thread,
 * which Spark hands to the listener with the stage; closing a phase first waits (at most
 * {@value #DRAIN_MILLIS} ms) until the listener bus has delivered the events of its stages, so they
 * come before the phase's end. One listener per SparkContext ({@link #attach}); it costs nothing
 * while no progress sink is installed.
 */
public final class SparkProgress extends SparkListener implements Progress.PhaseListener {
  static final String PHASE = "nncompress.phase";
  static final String LAYER = "nncompress.layer";
  static final String STAGE = "nncompress.stage";
  static final String STRATEGY = "nncompress.strategy";
  static final long DRAIN_MILLIS = 2000;
  private static final Map<SparkContext, SparkProgress> ATTACHED = new WeakHashMap<>();

  /** One stage attempt's progress. */
  private static final class StageState {
    final int stage;
    final int attempt;
    final int total;
    final String name;
    final Properties props;
    final long submittedMillis;
    final BitSet done = new BitSet();

    StageState(StageInfo si, Properties props, long submittedMillis) {
      this.stage = si.stageId();
      this.attempt = si.attemptNumber();
      this.total = si.numTasks();
      this.name = si.name();
      this.props = props;
      this.submittedMillis = submittedMillis;
    }
  }

  private final SparkContext sc;
  private final Map<Long, StageState> stages = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> jobOfStage = new ConcurrentHashMap<>();
  /** Tasks started less tasks ended, as the listener bus has delivered them. */
  private final AtomicInteger running = new AtomicInteger();

  private SparkProgress(SparkContext sc) {
    this.sc = sc;
  }

  /** Registers the listener on {@code sc} once (later calls return the same one). */
  public static synchronized SparkProgress attach(SparkContext sc) {
    SparkProgress l = ATTACHED.get(sc);
    if (l == null) {
      l = new SparkProgress(sc);
      sc.addSparkListener(l);
      Progress.addListener(l);
      ATTACHED.put(sc, l);
      l.changed(Progress.current());
    }
    return l;
  }

  /**
   * Waits (at most {@code millis}) until this listener has been handed every event posted before
   * now: a marker event is posted to the listener bus, which delivers events in order. Spark posts
   * a stage's completion before the action that ran it returns, so after an action this listener
   * has seen its stages end. False on timeout.
   */
  public boolean drain(long millis) {
    if (sc.isStopped()) {
      return true;
    }
    Marker m = new Marker();
    try {
      sc.listenerBus().post(m);
      return m.seen.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IllegalStateException e) {
      return false; // the bus is stopped
    }
  }

  /**
   * Waits (at most {@code millis}) until every task started before now has ended and this listener
   * has been told. When one task fails a job, Spark fails the job at once and kills the stage's other
   * tasks afterwards; each logs its "Lost task ... TaskKilled" warning before Spark posts its end.
   * So once this returns true, no task of a failed job logs anymore: a failed command waits here
   * before its error line, while the log file still takes Spark's output. False on timeout.
   */
  public boolean awaitNoRunningTasks(long millis) {
    long end = System.nanoTime() + millis * 1_000_000L;
    if (!drain(millis)) { // the starts of the tasks launched so far, delivered
      return false;
    }
    while (running.get() > 0 && !sc.isStopped()) {
      if (System.nanoTime() > end) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #awaitNoRunningTasks} on the default session's SparkContext, if it has one with this
   * listener attached ({@link #attach}); true at once otherwise.
   */
  public static boolean awaitNoRunningTasksOfDefaultSession(long millis) {
    scala.Option<SparkSession> s = SparkSession.getDefaultSession();
    if (s.isEmpty() || s.get().sparkContext().isStopped()) {
      return true;
    }
    SparkProgress p;
    synchronized (SparkProgress.class) {
      p = ATTACHED.get(s.get().sparkContext());
    }
    return p == null || p.awaitNoRunningTasks(millis);
  }

  /** Tasks running as far as this listener has been told (0 when it was attached mid-task). */
  public int runningTasks() {
    return Math.max(0, running.get());
  }

  /** See {@link #drain}; never written to Spark's event log. */
  private static final class Marker implements SparkListenerEvent {
    final CountDownLatch seen = new CountDownLatch(1);

    @Override
    public boolean logEvent() {
      return false;
    }
  }

  @Override
  public void onOtherEvent(SparkListenerEvent e) {
    if (e instanceof Marker) {
      ((Marker) e).seen.countDown();
    }
  }

  // -- phases, on the driver thread

  @Override
  public void changed(Phase p) {
    if (sc.isStopped()) {
      Progress.removeListener(this);
      return;
    }
    sc.setLocalProperty(PHASE, p == null ? null : p.name());
    sc.setLocalProperty(LAYER, p == null ? null : p.layer());
    sc.setLocalProperty(STAGE, p == null ? null : p.stage());
    sc.setLocalProperty(STRATEGY, p == null ? null : p.strategy());
  }

  @Override
  public void ending(Phase p) {
    drain(DRAIN_MILLIS);
  }

  // -- Spark's events, on the listener bus thread

  private static long key(int stage, int attempt) {
    return ((long) stage << 32) | (attempt & 0xffffffffL);
  }

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    scala.collection.Iterator<Object> it = e.stageIds().iterator();
    while (it.hasNext()) {
      jobOfStage.put((Integer) it.next(), e.jobId());
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    if (!Progress.enabled()) {
      return;
    }
    StageInfo si = e.stageInfo();
    long submitted = si.submissionTime().isDefined() ? (Long) si.submissionTime().get() : System.currentTimeMillis();
    StageState s = new StageState(si, e.properties(), submitted);
    stages.put(key(s.stage, s.attempt), s);
    report(s, Edge.START, null);
  }

  @Override
  public void onTaskStart(SparkListenerTaskStart e) {
    running.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    running.decrementAndGet();
    StageState s = stages.get(key(e.stageId(), e.stageAttemptId()));
    if (s == null || !e.taskInfo().successful()) {
      return;
    }
    int done;
    synchronized (s) {
      if (s.done.get(e.taskInfo().index())) {
        return; // a speculative copy of a task already done
      }
      s.done.set(e.taskInfo().index());
      done = s.done.cardinality();
    }
    if (done < s.total) {
      report(s, Edge.MIDDLE, null);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    StageInfo si = e.stageInfo();
    StageState s = stages.remove(key(si.stageId(), si.attemptNumber()));
    if (s == null) {
      return;
    }
    String failure = si.failureReason().isDefined() ? si.failureReason().get() : null;
    if (failure == null) {
      synchronized (s) {
        s.done.set(0, s.total); // every task is done (some may have been skipped or lost their events)
      }
    }
    report(s, Edge.END, failure);
    jobOfStage.remove(si.stageId());
  }

  private void report(StageState s, Edge edge, String failure) {
    if (!Progress.due("spark", edge)) {
      return;
    }
    int done;
    synchronized (s) {
      done = s.done.cardinality();
    }
    double elapsed = Math.max(0, System.currentTimeMillis() - s.submittedMillis) / 1e3;
    ProgressEvent ev = ProgressEvent.info(ProgressEvent.TASKS);
    Properties p = s.props;
    if (p != null) {
      ev.put(ProgressEvent.PHASE, p.getProperty(PHASE)).put(ProgressEvent.LAYER, p.getProperty(LAYER))
          .put(ProgressEvent.STAGE, p.getProperty(STAGE)).put(ProgressEvent.STRATEGY, p.getProperty(STRATEGY));
    }
    ev.put(ProgressEvent.SPARK_JOB, jobOfStage.get(s.stage)).put(ProgressEvent.SPARK_STAGE, s.stage)
        .put(ProgressEvent.SPARK_ATTEMPT, s.attempt).put(ProgressEvent.DONE, done).put(ProgressEvent.TOTAL, s.total)
        .seconds(ProgressEvent.ELAPSED_S, elapsed).put(ProgressEvent.MESSAGE, s.name);
    if (failure != null) {
      ev.put(ProgressEvent.FAILED, failure);
    } else {
      ev.seconds(ProgressEvent.ETA_S, Eta.seconds(elapsed, done, s.total));
    }
    Progress.write(ev);
  }
}
