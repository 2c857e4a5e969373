package io.nncompress.spark.io;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A file system under the scheme {@code remotefs:} that stores its files on the local disk: for
 * the tests, a "remote" Hadoop file system (like hdfs: or s3a:) whose files are not local files
 * for the code that reads them (register it with {@code fs.remotefs.impl}).
 */
public class RemoteLikeFileSystem extends RawLocalFileSystem {
  @Override
  public URI getUri() {
    return URI.create("remotefs:///");
  }

  @Override
  public String getScheme() {
    return "remotefs";
  }
}
