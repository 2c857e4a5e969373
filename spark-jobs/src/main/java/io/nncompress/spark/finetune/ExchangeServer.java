package io.nncompress.spark.finetune;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;

/**
 * The driver's end of an exchanged epoch ({@link ExchangedEpoch}): a server socket the epoch's tasks
 * connect to, one connection per partition (a handshake with the epoch's random token and the
 * partition), then per step the driver sends the trained values to every task and reads each task's
 * gradient back, in partition order (so the sum is the same whatever order the tasks finish in).
 * Doubles travel as raw little-endian bytes. Every wait gives up when {@code failed} says the Spark
 * job that runs the tasks ended, so a task that dies does not leave the driver waiting.
 */
final class ExchangeServer implements AutoCloseable {
  static final long MAGIC = 0x6e6e63_46545831L; // "nnc" "FTX1"
  private static final int POLL_MS = 200;

  private final ServerSocket server;
  private final Socket[] sockets;
  private final InputStream[] in;
  private final OutputStream[] out;
  private final long token;
  private final byte[] buf;
  private final double[] part;

  private ExchangeServer(ServerSocket server, int partitions, long token, int size) {
    this.server = server;
    this.sockets = new Socket[partitions];
    this.in = new InputStream[partitions];
    this.out = new OutputStream[partitions];
    this.token = token;
    this.buf = new byte[8 * (size + 1)];
    this.part = new double[size + 1];
  }

  /** Listens on {@code bindHost} (any free port) for the tasks of {@code partitions} partitions. */
  static ExchangeServer open(String bindHost, int partitions, long token, int size) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), partitions + 4);
      s.setSoTimeout(POLL_MS);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return new ExchangeServer(s, partitions, token, size);
  }

  int port() {
    return server.getLocalPort();
  }

  /**
   * Waits until every partition's task has connected; false when the job ended or {@code deadline}
   * (System.nanoTime) passed first (e.g. fewer task slots than partitions: the tasks cannot all run).
   */
  boolean acceptAll(long deadline, BooleanSupplier failed) throws IOException {
    int connected = 0;
    while (connected < sockets.length) {
      if (failed.getAsBoolean() || System.nanoTime() > deadline) {
        return false;
      }
      Socket c;
      try {
        c = server.accept();
      } catch (SocketTimeoutException e) {
        continue;
      }
      c.setTcpNoDelay(true);
      c.setSoTimeout(POLL_MS);
      byte[] hello = new byte[20];
      try {
        readFully(c.getInputStream(), hello, failed, System.nanoTime() + 10_000_000_000L);
      } catch (IOException e) {
        c.close(); // not one of ours, or gone
        continue;
      }
      ByteBuffer h = ByteBuffer.wrap(hello).order(ByteOrder.LITTLE_ENDIAN);
      long magic = h.getLong();
      long tok = h.getLong();
      int p = h.getInt();
      if (magic != MAGIC || tok != token || p < 0 || p >= sockets.length || sockets[p] != null) {
        c.close(); // another epoch's, a stranger, or a second attempt of a task
        continue;
      }
      sockets[p] = c;
      in[p] = c.getInputStream();
      out[p] = c.getOutputStream();
      connected++;
    }
    return true;
  }

  /** Sends {@code values} to every task. */
  void send(double[] values) throws IOException {
    ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(values, 0, values.length);
    for (OutputStream o : out) {
      o.write(buf, 0, 8 * values.length);
      o.flush();
    }
  }

  /**
   * Reads every task's vector (size + 1 doubles), in partition order, and returns their sum. Gives up
   * when the job ended or a task connects again (Spark retried a task: an executor was lost, say).
   */
  double[] receiveSum(BooleanSupplier failed) throws IOException {
    double[] sum = new double[part.length];
    BooleanSupplier stop = () -> failed.getAsBoolean() || reconnected();
    for (InputStream i : in) {
      readFully(i, buf, stop, Long.MAX_VALUE);
      ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(part);
      for (int k = 0; k < sum.length; k++) {
        sum[k] += part[k];
      }
    }
    return sum;
  }

  // whether a connection is waiting (checked only when a read is slow: it waits 1 ms)
  private boolean reconnected() {
    try {
      server.setSoTimeout(1);
      try {
        server.accept().close();
        return true;
      } finally {
        server.setSoTimeout(POLL_MS);
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  // reads buf.length bytes, giving up when the job ended or the deadline passed
  private static void readFully(InputStream i, byte[] b, BooleanSupplier failed, long deadline) throws IOException {
    int off = 0;
    while (off < b.length) {
      int r;
      try {
        r = i.read(b, off, b.length - off);
      } catch (SocketTimeoutException e) {
        if (failed.getAsBoolean() || System.nanoTime() > deadline) {
          throw new IOException("the exchanged epoch's tasks stopped answering");
        }
        continue;
      }
      if (r < 0) {
        throw new IOException("a task of the exchanged epoch closed its connection");
      }
      off += r;
    }
  }

  @Override
  public void close() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    closeQuietly(server);
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing: nothing left to do
      }
    }
  }
}
