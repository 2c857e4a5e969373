package io.nncompress.codec;

import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.quant.BinaryTensor;
import io.nncompress.codec.quant.UniformQuantizedTensor;
import io.nncompress.codec.quant.VectorQuantizedTensor;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The registry that reads an {@link EncodedTensor} back from its codec name and bytes. */
public final class TensorCodecs {
  private static final Map<String, Function<byte[], EncodedTensor>> READERS = new TreeMap<>();

  static {
    register(RawFloat32Tensor.CODEC, RawFloat32Tensor::fromBytes);
    register(KMeansTensor.CODEC, KMeansTensor::fromBytes);
    register(SparseTensor.CODEC, SparseTensor::fromBytes);
    register(DeepCompressedTensor.CODEC, DeepCompressedTensor::fromBytes);
    register(LowRankTensor.CODEC, LowRankTensor::fromBytes);
    register(io.nncompress.codec.lowrank.FactoredTensor.CODEC, io.nncompress.codec.lowrank.FactoredTensor::fromBytes);
    register(UniformQuantizedTensor.CODEC,
        UniformQuantizedTensor::fromBytes);
    register(BinaryTensor.CODEC, BinaryTensor::fromBytes);
    register(VectorQuantizedTensor.CODEC_PQ,
        VectorQuantizedTensor::fromBytes);
    register(VectorQuantizedTensor.CODEC_RQ,
        VectorQuantizedTensor::fromBytes);
    register(HashedTensor.CODEC, HashedTensor::fromBytes);
  }

  private TensorCodecs() {}

  /** Registers the reader of a codec; the name must be new. */
  public static synchronized void register(String codec, Function<byte[], EncodedTensor> reader) {
    if (READERS.putIfAbsent(codec, reader) != null) {
      throw new IllegalStateException("Codec " + codec + " is registered twice");
    }
  }

  public static synchronized EncodedTensor decode(String codec, byte[] bytes) {
    Function<byte[], EncodedTensor> r = READERS.get(codec);
    if (r == null) {
      throw new IllegalArgumentException("Unknown codec '" + codec + "', known: " + READERS.keySet());
    }
    return r.apply(bytes);
  }

  public static synchronized Map<String, Function<byte[], EncodedTensor>> all() {
    return Collections.unmodifiableMap(new TreeMap<>(READERS));
  }
}
