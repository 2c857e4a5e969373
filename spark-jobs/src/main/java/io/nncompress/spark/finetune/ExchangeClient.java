package io.nncompress.spark.finetune;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A task's end of an exchanged epoch ({@link ExchangeServer}): receives the values, sends its gradient. */
final class ExchangeClient implements AutoCloseable {
  /** How long a task waits for the driver's next values before it gives up (the driver died or hangs). */
  static final int READ_TIMEOUT_MS = 600_000;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final byte[] buf;

  private ExchangeClient(Socket socket, int size) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    this.out = socket.getOutputStream();
    this.buf = new byte[8 * (size + 1)];
  }

  static ExchangeClient connect(String host, int port, long token, int partition, int size) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), 30_000);
      s.setSoTimeout(READ_TIMEOUT_MS);
      ByteBuffer hello = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
      hello.putLong(ExchangeServer.MAGIC).putLong(token).putInt(partition);
      s.getOutputStream().write(hello.array());
      s.getOutputStream().flush();
      return new ExchangeClient(s, size);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Reads the step's values into {@code values}. */
  void receive(double[] values) throws IOException {
    in.readFully(buf, 0, 8 * values.length);
    ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
  }

  /** Sends this task's share of the step (its gradient and loss, size + 1 doubles). */
  void send(double[] gradient) throws IOException {
    ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(gradient);
    out.write(buf, 0, 8 * gradient.length);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
