/**
 * The hashing trick (HashedNets): a layer's h x d weights become K shared values,
 * V_ij = xi(i, j) w_{h(i, j)} with the seeded, language-independent hash pair of
 * {@link io.nncompress.codec.hashing.WeightHash}; values fitted after training by
 * {@link io.nncompress.codec.hashing.HashedWeights} (on the weights, or on the data through R);
 * stored as {@link io.nncompress.codec.hashing.HashedTensor} (codec "hashed": K floats, seed, shape).
 */
package io.nncompress.codec.hashing;
