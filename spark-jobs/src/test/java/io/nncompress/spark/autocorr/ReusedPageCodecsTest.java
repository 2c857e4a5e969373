package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Snappy and Zstandard pages decompressed into reused arrays ({@link ReusedPageCodecs}). */
class ReusedPageCodecsTest {

  /**
   * Writes {@code n} rows with parquet-hadoop, compressed with {@code codec}, 1 KiB pages: a column "wide" of 64 distinct
   * floats per row (4 rows a page) and a column "narrow" of 2 floats per row drawn from 5 vectors
   * (dictionary-encoded, hundreds of rows a page). Returns the rows as [wide..., narrow...].
   */
  static List<float[]> write(Path file, int n, ParquetProperties.WriterVersion version, long seed,
      CompressionCodecName codec) throws Exception {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message m { required binary wide; optional binary narrow; }");
    Random rnd = new Random(seed);
    float[][] few = new float[5][2];
    for (float[] v : few) {
      v[0] = (float) rnd.nextGaussian();
      v[1] = (float) rnd.nextGaussian();
    }
    List<float[]> rows = new ArrayList<>();
    Configuration conf = new Configuration();
    try (ParquetWriter<Group> w = ExampleParquetWriter
        .builder(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), conf))
        .withType(schema).withConf(conf).withCompressionCodec(codec).withPageSize(1024)
        .withMinRowCountForPageSizeCheck(1).withMaxRowCountForPageSizeCheck(1).withDictionaryPageSize(4096)
        .withDictionaryEncoding(true).withRowGroupSize(64L * 1024)
        .withWriterVersion(version).build()) {
      SimpleGroupFactory gf = new SimpleGroupFactory(schema);
      for (int i = 0; i < n; i++) {
        float[] row = new float[66];
        for (int j = 0; j < 64; j++) {
          row[j] = (float) rnd.nextGaussian();
        }
        float[] small = few[rnd.nextInt(few.length)];
        row[64] = small[0];
        row[65] = small[1];
        w.write(gf.newGroup().append("wide", bytes(row, 0, 64)).append("narrow", bytes(row, 64, 2)));
        rows.add(row);
      }
    }
    return rows;
  }

  static Binary bytes(float[] v, int off, int len) {
    ByteBuffer b = ByteBuffer.allocate(4 * len).order(ByteOrder.LITTLE_ENDIAN);
    for (int j = 0; j < len; j++) {
      b.putFloat(v[off + j]);
    }
    return Binary.fromConstantByteArray(b.array());
  }

  @ParameterizedTest
  @EnumSource(value = CompressionCodecName.class, names = {"SNAPPY", "ZSTD"})
  void pagesOfBothColumnsAreIntactAndArraysAreReused(CompressionCodecName codec, @TempDir Path tmp)
      throws Exception {
    int n = 3000;
    Path file = tmp.resolve("a.parquet");
    List<float[]> rows = write(file, n, ParquetProperties.WriterVersion.PARQUET_1_0, 3, codec);
    Configuration conf = new Configuration();
    ReusedPageCodecs codecs = new ReusedPageCodecs(conf);
    org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(file.toString());
    int groups = 0;
    int row = 0;
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(hp, conf),
        HadoopReadOptions.builder(conf, hp).withCodecFactory(codecs).build())) {
      MessageType schema = r.getFooter().getFileMetaData().getSchema();
      List<ColumnDescriptor> columns = schema.getColumns();
      while (true) {
        codecs.nextRowGroup();
        try (PageReadStore g = r.readNextRowGroup()) {
          if (g == null) {
            break;
          }
          groups++;
          ColumnReadStoreImpl store = new ColumnReadStoreImpl(g, ParquetPageTask.NO_CONVERTER, schema, "test");
          ColumnReader wide = store.getColumnReader(columns.get(0));
          ColumnReader narrow = store.getColumnReader(columns.get(1));
          codecs.reuseFromNow();
          for (long i = 0; i < g.getRowCount(); i++, row++) {
            // both values taken, both readers moved on, then the values used: as ParquetFileInput does
            Binary w = wide.getBinary();
            wide.consume();
            Binary s = narrow.getBinary();
            narrow.consume();
            float[] expected = rows.get(row);
            assertArrayEquals(bytes(expected, 0, 64).getBytes(), w.getBytes(), "wide, row " + row);
            assertArrayEquals(bytes(expected, 64, 2).getBytes(), s.getBytes(), "narrow, row " + row);
          }
        }
      }
    }
    assertEquals(n, row);
    assertTrue(groups >= 2, "row groups " + groups);
    // about 4 rows a page of "wide": hundreds of pages, a bounded number of arrays
    assertTrue(codecs.pagesDecompressed() > n / 8, "pages " + codecs.pagesDecompressed());
    long fresh = 2L * 2 * groups; // per column chunk: its dictionary and first page
    assertTrue(codecs.arraysAllocated() <= fresh + 2 * ReusedPageCodecs.RING,
        "arrays " + codecs.arraysAllocated() + " for " + codecs.pagesDecompressed() + " pages");
  }
}
