/**
 * Low-rank factorization of a layer's weight matrix W (h x d) into M = P Q^T, usable alone or after
 * LNR (whose output W and the layer's R = E[x x^T] come straight in):
 * {@link io.nncompress.codec.lowrank.TruncatedSvd} (data-agnostic, Eckart-Young optimal in
 * Frobenius norm), {@link io.nncompress.codec.lowrank.ActivationAwareLowRank} (optimal on
 * tr((W - M) R (W - M)^T)), the rank chosen by a {@link io.nncompress.codec.lowrank.RankSelector}
 * (fixed, energy, bytes, relative error), stored as {@link io.nncompress.codec.lowrank.LowRankTensor}
 * (codec "lowrank") when that is smaller than dense float32, or as
 * {@link io.nncompress.codec.lowrank.FactoredTensor} (codec "lowrank_coded") when later stages
 * encode each factor; both are {@link io.nncompress.codec.lowrank.LowRankEncoded}, which the
 * compressed model holds as two layers ({@link io.nncompress.model.FactoredLayers}). Conv kernels go
 * through {@link io.nncompress.codec.lowrank.ConvLowRank}.
 */
package io.nncompress.codec.lowrank;
