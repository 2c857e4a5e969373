package io.nncompress.spark.cluster;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: a Master and Workers, each a separate JVM
 * started from this JVM's own classpath, and drivers as separate JVMs started as spark-submit starts
 * them. Nothing is downloaded; everything (logs included) lives under one directory.
 *
 * <p>What a Worker needs to launch executors (Spark's ExecutorRunner builds the executor command
 * with the launcher's WorkerCommandBuilder): {@code SPARK_HOME} with a {@code jars/} directory,
 * whose {@code *} goes on the executor classpath, and {@code SPARK_SCALA_VERSION}, since no Spark
 * build directory is there to guess it from. So {@code SPARK_HOME} here is a directory of our own
 * with an empty {@code jars/}, and the Workers get every jar of this JVM's classpath in
 * {@code SPARK_DIST_CLASSPATH}, which the launcher appends to the executor classpath (as in Spark's
 * "Hadoop free" builds): those jars are the cluster's "Spark distribution".
 *
 * <p>The application is what a user submits: the class directories of the build (nncompress and
 * the test helpers) packed into {@code app.jar}, run by Spark's {@code SparkSubmit} in client mode
 * with only the distribution jars on the driver's classpath, and shipped by Spark to the executors.
 *
 * <p>Small: one core and 1 GiB per Worker, 512 MiB executors, 1 GiB drivers. {@link #close()}
 * kills everything it started (executors included, they are the Workers' child processes) with
 * SIGKILL; use it in try-with-resources or {@code @AfterAll}.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final String HOST = "127.0.0.1";
  /**
   * Every JVM here runs for seconds on tiny data, on a machine of 2 cores: the C1 compiler alone
   * starts them much faster and costs nothing that matters at this size.
   */
  private static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1");
  /** How long a process may take to come up. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path sparkHome;
  private final Path appJar;
  private final Path logConfig;
  private final String classPath;
  private final String distClassPath;
  private final List<String> jvmOptions;
  private final int coresPerWorker;
  private final String memoryPerWorker;
  private final int masterPort;
  private String masterUrl;
  private Process master;
  private final List<Worker> workers = new ArrayList<>();
  private final List<DriverRun> drivers = new ArrayList<>();
  private int started;
  /** Kills everything should the test JVM exit without close() (a crash, a surefire timeout, Ctrl-C). */
  private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-cleanup");

  /** One Worker JVM and its work directory (where its executors' logs go). */
  public static final class Worker {
    final int id;
    final Process process;
    final Path workDir;
    final Path log;

    Worker(int id, Process process, Path workDir, Path log) {
      this.id = id;
      this.process = process;
      this.workDir = workDir;
      this.log = log;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Whether an executor of application {@code appId} on this Worker logged {@code text} (e.g. "Finished task"). */
    public boolean executorLogContains(String appId, String text) {
      Path appDir = workDir.resolve(appId);
      if (!Files.isDirectory(appDir)) {
        return false;
      }
      try (Stream<Path> files = Files.walk(appDir)) {
        return files.filter(p -> p.getFileName().toString().equals("stderr")).anyMatch(p -> contains(p, text));
      } catch (IOException | UncheckedIOException e) {
        return false; // the executor may be writing or going away; ask again
      }
    }
  }

  private StandaloneCluster(Path dir, int coresPerWorker, String memoryPerWorker, Path givenAppJar)
      throws IOException {
    this.dir = Files.createDirectories(dir);
    this.coresPerWorker = coresPerWorker;
    this.memoryPerWorker = memoryPerWorker;
    this.classPath = SparkDistribution.testClassPath();
    this.jvmOptions = SparkDistribution.moduleOptions();
    this.sparkHome = Files.createDirectories(dir.resolve("spark-home"));
    this.appJar = givenAppJar != null ? givenAppJar : dir.resolve("app.jar");
    this.logConfig = dir.resolve("log4j2.properties");
    this.distClassPath = layOutSparkHome(givenAppJar == null);
    Files.writeString(logConfig, String.join("\n",
        "rootLogger.level = warn",
        "rootLogger.appenderRef.stderr.ref = stderr",
        "appender.stderr.type = Console",
        "appender.stderr.name = stderr",
        "appender.stderr.target = SYSTEM_ERR",
        "appender.stderr.layout.type = PatternLayout",
        "appender.stderr.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n",
        // readiness ("elected leader", "registered with master") and what the tests wait for
        "logger.deploy.name = org.apache.spark.deploy",
        "logger.deploy.level = info",
        "logger.executor.name = org.apache.spark.executor.Executor",
        "logger.executor.level = info",
        "logger.scheduler.name = org.apache.spark.scheduler",
        "logger.scheduler.level = info",
        "logger.nncompress.name = io.nncompress",
        "logger.nncompress.level = info",
        ""));
    this.masterPort = freePort();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a Master and {@code workers} Workers under {@code dir} and waits until every Worker has
   * registered. On failure, everything started is killed.
   */
  public static StandaloneCluster start(Path dir, int workers, int coresPerWorker, String memoryPerWorker)
      throws IOException, InterruptedException {
    return start(dir, workers, coresPerWorker, memoryPerWorker, null);
  }

  /**
   * As {@link #start(Path, int, int, String)}, with {@code appJar} as the application jar (the
   * shaded {@code -app.jar} of the build): then the distribution holds none of what that jar
   * carries (nncompress's jars, picocli, class directories), as on a real Spark install. With null,
   * the class directories of the build are packed into an {@code app.jar} of the cluster's own.
   */
  public static StandaloneCluster start(Path dir, int workers, int coresPerWorker, String memoryPerWorker,
      Path appJar) throws IOException, InterruptedException {
    StandaloneCluster c = new StandaloneCluster(dir, coresPerWorker, memoryPerWorker, appJar);
    try {
      c.startMaster();
      for (int i = 0; i < workers; i++) {
        c.startWorker();
      }
      return c;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  public String masterUrl() {
    return masterUrl;
  }

  public Path dir() {
    return dir;
  }

  public List<Worker> workers() {
    return workers;
  }

  /** The Workers still running. */
  public List<Worker> aliveWorkers() {
    List<Worker> out = new ArrayList<>();
    for (Worker w : workers) {
      if (w.isAlive()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Starts Workers until {@code n} are alive (after {@link #killWorker}), each registered. */
  public void ensureWorkers(int n) throws IOException, InterruptedException {
    while (aliveWorkers().size() < n) {
      startWorker();
    }
  }

  private void startMaster() throws IOException, InterruptedException {
    Path log = dir.resolve("master.log");
    master = launch(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dspark.master.rest.enabled=false"), classPath,
        "org.apache.spark.deploy.master.Master",
        List.of("--host", HOST, "--port", Integer.toString(masterPort), "--webui-port",
            Integer.toString(freePort())), log, Map.of());
    awaitLog(master, log, "I have been elected leader", "the Master");
    // the port it bound (should the free port have been taken meanwhile, Spark tries the next ones)
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Starting Spark master at (spark://\\S+)")
        .matcher(read(log));
    masterUrl = m.find() ? m.group(1) : "spark://" + HOST + ":" + masterPort;
  }

  /** Starts one more Worker and waits until the Master has registered it. */
  public Worker startWorker() throws IOException, InterruptedException {
    int id = workers.size();
    Path workDir = Files.createDirectories(dir.resolve("worker-" + id));
    Path log = dir.resolve("worker-" + id + ".log");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_DIST_CLASSPATH", distClassPath);
    Process p = launch(List.of("-Xmx256m", "-XX:+UseSerialGC"), classPath, "org.apache.spark.deploy.worker.Worker",
        List.of(masterUrl(), "--host", HOST, "--port", Integer.toString(freePort()), "--webui-port",
            Integer.toString(freePort()), "--cores", Integer.toString(coresPerWorker), "--memory", memoryPerWorker,
            "--work-dir", workDir.toString()), log, env);
    Worker w = new Worker(id, p, workDir, log);
    workers.add(w);
    awaitLog(p, log, "Successfully registered with master", "Worker " + id);
    return w;
  }

  /**
   * Kills a Worker the way a lost machine does: SIGKILL to the Worker and to the executors it
   * launched, all at once, without any chance to say goodbye.
   */
  public void killWorker(Worker w) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(w.process.descendants().toList());
    tree.add(w.process.toHandle());
    for (ProcessHandle h : tree) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : tree) {
      h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> h).join();
    }
  }

  /**
   * Starts a driver as spark-submit does, in client mode: a separate JVM running Spark's own
   * {@code SparkSubmit --master URL --class io.nncompress.cli.Main --conf K=V ... app.jar ARGS} with
   * only the "distribution" jars on its classpath, so that our classes come from the application
   * jar, which SparkSubmit also ships to the executors. {@code conf} adds or overrides Spark
   * configuration (e.g. the {@link io.nncompress.spark.bench.SlowTasksPlugin}).
   */
  public DriverRun submit(String name, Map<String, String> conf, List<String> args) throws IOException {
    List<String> submitArgs = new ArrayList<>(List.of("--master", masterUrl(), "--deploy-mode", "client",
        "--class", "io.nncompress.cli.Main", "--name", "nncompress " + name));
    driverConf(conf).forEach((k, v) -> submitArgs.addAll(List.of("--conf", k + "=" + v)));
    submitArgs.add(appJar.toString());
    submitArgs.addAll(args);
    return startDriver(name, distClassPath, "org.apache.spark.deploy.SparkSubmit", submitArgs);
  }

  /**
   * Starts a driver as bin/nncompress does: {@code java -cp DISTRIBUTION:app.jar io.nncompress.cli.Main
   * --master URL --conf K=V ... ARGS}, no spark-submit; the CLI then ships its own jars (SparkRuntime).
   */
  public DriverRun runCli(String name, Map<String, String> conf, List<String> args) throws IOException {
    List<String> mainArgs = new ArrayList<>(List.of("--master", masterUrl()));
    driverConf(conf).forEach((k, v) -> mainArgs.addAll(List.of("--conf", k + "=" + v)));
    mainArgs.addAll(args);
    return startDriver(name, distClassPath + File.pathSeparator + appJar, "io.nncompress.cli.Main", mainArgs);
  }

  private Map<String, String> driverConf(Map<String, String> conf) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("spark.driver.host", HOST);
    c.put("spark.driver.bindAddress", HOST);
    c.put("spark.ui.enabled", "false");
    c.put("spark.executor.memory", "512m");
    c.put("spark.executor.extraJavaOptions",
        String.join(" ", FAST_START) + " -XX:+UseSerialGC -Dlog4j2.configurationFile=" + logConfig.toUri());
    c.put("spark.sql.shuffle.partitions", "4");
    c.putAll(conf);
    return c;
  }

  private DriverRun startDriver(String name, String cp, String mainClass, List<String> args) throws IOException {
    int id = started++;
    Path log = dir.resolve("driver-" + id + "-" + name + ".log");
    Process p = launch(List.of("-Xmx1g", "-XX:+UseSerialGC"), cp, mainClass, args, log, Map.of());
    DriverRun d = new DriverRun(p, log);
    drivers.add(d);
    return d;
  }

  private static final java.util.regex.Pattern APP_ID =
      java.util.regex.Pattern.compile("Connected to Spark cluster with app ID (\\S+)");

  /** A driver JVM; its stdout and stderr go to one log file. */
  public static final class DriverRun {
    private final Process process;
    private final Path log;

    DriverRun(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Waits for the driver to exit and returns its exit code; kills it and fails past the timeout. */
    public int await(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new AssertionError("The driver did not finish in " + timeout + "; its log:\n" + logTail());
      }
      return process.exitValue();
    }

    /**
     * Kills the driver (SIGKILL) as soon as {@code condition} holds, polling every 50 ms: e.g. once
     * the output's temporary directory exists, or once a given layer has been committed. Fails if
     * the driver ends first or the condition does not come within the timeout, so that a test
     * never passes without having killed anything.
     */
    public void killWhen(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
      StandaloneCluster.await(() -> condition.getAsBoolean() || !process.isAlive(), timeout, what);
      if (!process.isAlive()) {
        throw new AssertionError("The driver ended (exit " + process.exitValue() + ") before " + what
            + "; it must be slower (SlowTasksPlugin) for the test to kill it there. Its log:\n" + logTail());
      }
      kill();
    }

    /** SIGKILL, as when a machine or a scheduler kills the driver: no shutdown hooks, no cleanup. */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    public Path log() {
      return log;
    }

    /** The application ID the Master gave this driver, or null while it has none. */
    public String appId() {
      java.util.regex.Matcher m = APP_ID.matcher(logText());
      return m.find() ? m.group(1) : null;
    }

    public String logText() {
      return read(log);
    }

    /** The last 60 lines of the log, for assertion messages. */
    public String logTail() {
      String[] lines = logText().split("\n");
      return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
    }
  }

  /** Polls {@code condition} every 50 ms until it holds; fails past the timeout with {@code what}. */
  public static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Kills every driver, Worker (with its executors) and the Master, and waits for them to exit. */
  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
  }

  private void killAll() {
    List<ProcessHandle> all = new ArrayList<>();
    for (DriverRun d : drivers) {
      all.add(d.process.toHandle());
    }
    for (Worker w : workers) {
      all.addAll(w.process.descendants().toList());
      all.add(w.process.toHandle());
    }
    if (master != null) {
      all.add(master.toHandle());
    }
    for (ProcessHandle h : all) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : all) {
      h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> h).join();
    }
  }

  private Process launch(List<String> heap, String cp, String mainClass, List<String> args, Path log,
      Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(heap);
    cmd.addAll(FAST_START);
    cmd.addAll(jvmOptions);
    cmd.add("-Dlog4j2.configurationFile=" + logConfig.toUri());
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> e = pb.environment();
    for (String k : List.of("SPARK_HOME", "SPARK_CONF_DIR", "SPARK_MASTER", "HADOOP_CONF_DIR", "YARN_CONF_DIR",
        "SPARK_DIST_CLASSPATH", "SPARK_CLASSPATH", "_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS")) {
      e.remove(k);
    }
    e.put("SPARK_LOCAL_IP", HOST);
    e.put("SPARK_LOCAL_HOSTNAME", "localhost");
    e.putAll(env);
    return pb.start();
  }

  private static void awaitLog(Process p, Path log, String text, String what) throws InterruptedException {
    long end = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!contains(log, text)) {
      if (!p.isAlive()) {
        throw new IllegalStateException(what + " exited with " + p.exitValue() + "; its log:\n" + read(log));
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(what + " did not come up in " + START_TIMEOUT + "; its log:\n" + read(log));
      }
      Thread.sleep(100);
    }
  }

  /**
   * The fake SPARK_HOME: an empty jars/ (the launcher insists on it); the jars of our classpath go to
   * the executors through SPARK_DIST_CLASSPATH (as in Spark's "Hadoop free" builds), and the class
   * directories are packed into app.jar.
   */
  private String layOutSparkHome(boolean packAppJar) throws IOException {
    Files.createDirectories(sparkHome.resolve("jars"));
    String jars = String.join(File.pathSeparator, SparkDistribution.jars(!packAppJar));
    if (!packAppJar) {
      return jars;
    }
    List<Path> classDirs = SparkDistribution.classDirectories();
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(appJar), mf)) {
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (Path d : classDirs) {
        addTree(out, d, seen);
      }
    }
    return jars;
  }

  private static void addTree(JarOutputStream out, Path root, java.util.Set<String> seen) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String name = root.relativize(file).toString().replace(File.separatorChar, '/');
        if (!name.equals("META-INF/MANIFEST.MF") && seen.add(name)) {
          out.putNextEntry(new JarEntry(name));
          Files.copy(file, (OutputStream) out);
          out.closeEntry();
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  static boolean contains(Path file, String text) {
    return read(file).contains(text);
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
