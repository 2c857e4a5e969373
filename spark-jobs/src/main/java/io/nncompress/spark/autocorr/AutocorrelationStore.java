package io.nncompress.spark.autocorr;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.io.AtomicOutput;
import io.nncompress.stats.AutocorrelationStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The on-disk form of the autocorrelation job's output, written atomically, and its reader.
 *
 * <pre>
 * OUTPUT/
 *   layers/   Parquet, one row per layer:
 *             layer, dataset, column, encoding, kind (dense|conv), conv (geometry or null), dim (d),
 *             bias_augmented, augmented_dim (p = d + 1 with the bias), samples (N), rows, tile_size,
 *             mean, min, max (array&lt;double&gt; of d), format_version
 *   tiles/    Parquet, one row per upper tile (tile_row &lt;= tile_col) of each layer's R:
 *             layer, tile_row, tile_col, rows, cols, values (array&lt;double&gt;, column-major)
 * </pre>
 *
 * R = E[x~ x~^T] is already divided by N; tile (i, j) covers rows i*T.. and columns j*T.. of R.
 */
public final class AutocorrelationStore {
  public static final int FORMAT_VERSION = 1;
  public static final String LAYERS = "layers";
  public static final String TILES = "tiles";

  static final StructType LAYER_SCHEMA = new StructType(new StructField[] {
    field("layer", DataTypes.StringType, false),
    field("dataset", DataTypes.StringType, false),
    field("column", DataTypes.StringType, false),
    field("encoding", DataTypes.StringType, false),
    field("kind", DataTypes.StringType, false),
    field("conv", DataTypes.StringType, true),
    field("dim", DataTypes.IntegerType, false),
    field("bias_augmented", DataTypes.BooleanType, false),
    field("augmented_dim", DataTypes.IntegerType, false),
    field("samples", DataTypes.LongType, false),
    field("rows", DataTypes.LongType, false),
    field("tile_size", DataTypes.IntegerType, false),
    field("mean", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
    field("min", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
    field("max", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
    field("format_version", DataTypes.IntegerType, false)
  });

  static final StructType TILE_SCHEMA = new StructType(new StructField[] {
    field("layer", DataTypes.StringType, false),
    field("tile_row", DataTypes.IntegerType, false),
    field("tile_col", DataTypes.IntegerType, false),
    field("rows", DataTypes.IntegerType, false),
    field("cols", DataTypes.IntegerType, false),
    field("values", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
  });

  private static StructField field(String name, org.apache.spark.sql.types.DataType t, boolean nullable) {
    return new StructField(name, t, nullable, Metadata.empty());
  }

  private AutocorrelationStore() {}

  /** Writes the results under {@code output}, atomically: readers see all of it or nothing. */
  public static void write(SparkSession spark, String output, List<AutocorrelationJob.LayerResult> results,
      boolean overwrite) {
    AtomicOutput.commit(spark, output, overwrite, tmp -> {
      List<Row> layerRows = new ArrayList<>();
      for (AutocorrelationJob.LayerResult r : results) {
        layerRows.add(RowFactory.create(r.input.name(), r.input.dataset(), r.input.column(), r.encoding.sqlName(),
            r.input.conv() != null ? "conv" : "dense", r.input.conv() != null ? r.input.conv().toString() : null,
            r.dim, r.biasAugmented, r.augmentedDim(), r.samples, r.rows, r.tileSize, r.mean, r.min, r.max,
            FORMAT_VERSION));
      }
      spark.createDataFrame(layerRows, LAYER_SCHEMA).coalesce(1).write().parquet(tmp + "/" + LAYERS);

      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      JavaRDD<AutocorrelationTile> all = null;
      for (AutocorrelationJob.LayerResult r : results) {
        JavaRDD<AutocorrelationTile> t = r.tiles != null ? r.tiles
            : jsc.parallelize(cut(r.input.name(), r.stats.autocorrelation(), r.tileSize),
                Math.max(1, Math.min(64, r.augmentedDim() / 512)));
        all = all == null ? t : all.union(t);
      }
      JavaRDD<Row> rows = all.map(t -> RowFactory.create(t.layer, t.tileRow, t.tileCol, t.rows, t.cols, t.values));
      spark.createDataFrame(rows, TILE_SCHEMA).write().parquet(tmp + "/" + TILES);
    });
  }

  /** Cuts a symmetric p x p matrix into its upper tiles of size T. */
  static List<AutocorrelationTile> cut(String layer, DenseMatrix r, int tileSize) {
    int p = r.rows;
    int nt = (p + tileSize - 1) / tileSize;
    List<AutocorrelationTile> out = new ArrayList<>();
    for (int ti = 0; ti < nt; ti++) {
      for (int tj = ti; tj < nt; tj++) {
        int m = Math.min(tileSize, p - ti * tileSize);
        int n = Math.min(tileSize, p - tj * tileSize);
        double[] v = new double[m * n];
        for (int j = 0; j < n; j++) {
          System.arraycopy(r.data, ti * tileSize + (tj * tileSize + j) * p, v, j * m, m);
        }
        out.add(new AutocorrelationTile(layer, ti, tj, m, n, v));
      }
    }
    return out;
  }

  /** One layer as read back. */
  public static final class StoredLayer {
    public final String layer;
    public final String dataset;
    public final String column;
    public final String encoding;
    public final String kind;
    public final String conv;
    public final AutocorrelationStats stats;

    StoredLayer(String layer, String dataset, String column, String encoding, String kind, String conv,
        AutocorrelationStats stats) {
      this.layer = layer;
      this.dataset = dataset;
      this.column = column;
      this.encoding = encoding;
      this.kind = kind;
      this.conv = conv;
      this.stats = stats;
    }
  }

  /** Reads every layer of an output, assembling R from its tiles (in layer order). */
  public static Map<String, StoredLayer> read(SparkSession spark, String output) {
    return read(spark, output, null);
  }

  /** Reads one layer (or all when {@code onlyLayer} is null). */
  public static Map<String, StoredLayer> read(SparkSession spark, String output, String onlyLayer) {
    Dataset<Row> layers = ParquetInputs.read(spark, output + "/" + LAYERS);
    Dataset<Row> tiles = ParquetInputs.read(spark, output + "/" + TILES);
    if (onlyLayer != null) {
      layers = layers.where(functions.col("layer").equalTo(onlyLayer));
      tiles = tiles.where(functions.col("layer").equalTo(onlyLayer));
    }
    Map<String, StoredLayer> out = new LinkedHashMap<>();
    Map<String, DenseMatrix> matrices = new LinkedHashMap<>();
    List<Row> meta = layers.collectAsList();
    if (onlyLayer != null && meta.isEmpty()) {
      throw new BadInputException("Autocorrelation output " + output + " has no layer '" + onlyLayer + "'");
    }
    for (Row m : meta) {
      int version = m.getInt(m.fieldIndex("format_version"));
      if (version > FORMAT_VERSION) {
        throw new BadInputException("Autocorrelation output " + output + " has format version " + version
            + "; this nncompress reads up to " + FORMAT_VERSION);
      }
      int p = m.getInt(m.fieldIndex("augmented_dim"));
      matrices.put(m.getString(0), new DenseMatrix(p, p));
    }
    Map<String, Integer> tileSizes = new LinkedHashMap<>();
    for (Row m : meta) {
      tileSizes.put(m.getString(0), m.getInt(m.fieldIndex("tile_size")));
    }
    // the tiles as arrays of doubles, unboxed: each executor copies a tile's values straight out of Spark's
    // row (ArrayData.toDoubleArray) and the driver copies them into R, no Row, List or Double in between
    Iterator<AutocorrelationTile> it = unboxed(tiles, output).toLocalIterator();
    while (it.hasNext()) {
      AutocorrelationTile t = it.next();
      DenseMatrix r = matrices.get(t.layer);
      if (r == null) {
        throw new BadInputException("Autocorrelation output " + output + ": tile of unknown layer '" + t.layer + "'");
      }
      int tileSize = tileSizes.get(t.layer);
      place(r, t.values, t.tileRow * tileSize, t.tileCol * tileSize, t.rows, t.cols);
    }
    for (Row m : meta) {
      String layer = m.getString(0);
      AutocorrelationStats s = new AutocorrelationStats(m.getInt(m.fieldIndex("dim")),
          m.getBoolean(m.fieldIndex("bias_augmented")), m.getLong(m.fieldIndex("samples")),
          m.getLong(m.fieldIndex("rows")), matrices.get(layer), doubles(m, "mean"), doubles(m, "min"),
          doubles(m, "max"));
      out.put(layer, new StoredLayer(layer, m.getString(1), m.getString(2), m.getString(3), m.getString(4),
          m.isNullAt(5) ? null : m.getString(5), s));
    }
    return out;
  }

  private static JavaRDD<AutocorrelationTile> unboxed(Dataset<Row> tiles, String output) {
    return tiles.select("layer", "tile_row", "tile_col", "rows", "cols", "values").queryExecution().toRdd()
        .toJavaRDD().map(row -> {
          String layer = row.getUTF8String(0).toString();
          try {
            return new AutocorrelationTile(layer, row.getInt(1), row.getInt(2), row.getInt(3), row.getInt(4),
                row.getArray(5).toDoubleArray());
          } catch (IllegalArgumentException e) {
            throw new BadInputException("Autocorrelation output " + output + ", layer " + layer + ": "
                + e.getMessage(), e);
          }
        });
  }

  /**
   * Puts a tile (rows x cols values, column-major) at (i0, j0) of the symmetric R and its transpose at
   * (j0, i0): the tile's columns are copied whole; a diagonal tile's lower triangle is its upper one's.
   */
  static void place(DenseMatrix r, double[] v, int i0, int j0, int rows, int cols) {
    int p = r.rows;
    for (int j = 0; j < cols; j++) {
      System.arraycopy(v, j * rows, r.data, i0 + (j0 + j) * p, rows);
    }
    for (int j = 0; j < cols; j++) {
      int upTo = i0 == j0 ? j : rows; // on the diagonal, the upper triangle (i < j) mirrored
      int col = j0 + j;
      for (int i = 0; i < upTo; i++) {
        r.data[col + (i0 + i) * p] = v[i + j * rows];
      }
    }
  }

  private static double[] doubles(Row r, String field) {
    List<Object> l = r.getList(r.fieldIndex(field));
    double[] out = new double[l.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = (Double) l.get(k);
    }
    return out;
  }
}
