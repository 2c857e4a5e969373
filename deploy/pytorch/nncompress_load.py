"""Loads nncompress's compressed form (model/compressed.safetensors) with numpy only.

    from nncompress_load import load_compressed
    weights = load_compressed("out/model/compressed.safetensors")   # name -> float32 ndarray
    state = {k: torch.from_numpy(v) for k, v in weights.items()}

The names and shapes are those of model/model.safetensors for the compressed layers (a low-rank
layer written as two layers gives NAME.0 / NAME.1's weights); the values are bit for bit what
nncompress's Java decoder gives. The layout is documented in README_compressed.md and in the
javadoc of io.nncompress.codec.CompressedSafetensors.

Command line (used by the tests): python3 nncompress_load.py FILE OUT_DIR writes each tensor as
raw little-endian float32 OUT_DIR/K.f32 (K = 0, 1, ...) and OUT_DIR/index.txt with one line
"K<TAB>NAME<TAB>d0,d1,..." per tensor.
"""
import json
import os
import struct
import sys

import numpy as np

FORMAT = "nncompress.compressed"
FORMAT_VERSION = 1
_DTYPES = {"F32": "<f4", "F64": "<f8", "U8": "u1", "I8": "i1", "I32": "<i4", "I64": "<i8",
           "U32": "<u4", "U16": "<u2", "I16": "<i2"}


def read_safetensors(path):
    """(metadata dict, {name: ndarray}) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        dt = np.dtype(_DTYPES[t["dtype"]])
        arr = np.frombuffer(data, dtype=dt, count=(b - a) // dt.itemsize, offset=base + a)
        tensors[name] = arr.reshape([int(d) for d in t["shape"]])
    return meta, tensors


def _bits(packed):
    """The bits of a byte string, least significant bit of each byte first."""
    return np.unpackbits(np.asarray(packed, dtype=np.uint8), bitorder="little")


def unpack(packed, count, bits, bit_offset=0):
    """count codes of `bits` bits each, packed least significant bit first."""
    b = _bits(packed)[bit_offset:bit_offset + count * bits].astype(np.int64)
    if b.size != count * bits:
        raise ValueError("packed codes hold %d bits, %d codes of %d bits need %d" % (b.size, count, bits, count * bits))
    return (b.reshape(count, bits) << np.arange(bits, dtype=np.int64)).sum(axis=1) if count else np.zeros(0, np.int64)


class _BitStream:
    def __init__(self, packed, bit_offset):
        self.bits = _bits(packed)
        self.pos = bit_offset

    def read(self, count, width):
        v = unpack_bits(self.bits, self.pos, count, width)
        self.pos += count * width
        return v

    def huffman(self, lengths, count):
        """count symbols of the canonical Huffman code of these lengths (codes MSB first)."""
        lengths = [int(x) for x in lengths]
        max_len = max(lengths) if lengths else 0
        if count == 0:
            return np.zeros(0, np.int64)
        if max_len == 0:
            raise ValueError("empty Huffman code for %d symbols" % count)
        # canonical codes (DEFLATE): by length, then symbol
        per_len = [0] * (max_len + 1)
        for x in lengths:
            if x:
                per_len[x] += 1
        nxt, code = [0] * (max_len + 1), 0
        for l in range(1, max_len + 1):
            code = (code + per_len[l - 1]) << 1 if l > 1 else 0
            nxt[l] = code
        table_sym = np.full(1 << max_len, -1, np.int64)
        table_len = np.zeros(1 << max_len, np.int64)
        for s, l in enumerate(lengths):
            if l:
                c = nxt[l]
                nxt[l] += 1
                lo = c << (max_len - l)
                table_sym[lo:lo + (1 << (max_len - l))] = s
                table_len[lo:lo + (1 << (max_len - l))] = l
        bits = self.bits.astype(np.int64)
        pad = np.concatenate([bits, np.zeros(max_len, np.int64)])
        # window[p] = the max_len bits from p, the first one most significant
        n = bits.size
        window = np.zeros(n, np.int64)
        for i in range(max_len):
            window = (window << 1) | pad[i:i + n]
        out = np.empty(count, np.int64)
        pos, ts, tl = self.pos, table_sym, table_len
        for t in range(count):
            if pos >= n:
                raise ValueError("truncated Huffman stream")
            w = window[pos]
            s = ts[w]
            if s < 0 or pos + tl[w] > n:
                raise ValueError("invalid Huffman code at bit %d" % pos)
            out[t] = s
            pos += tl[w]
        self.pos = pos
        return out


def unpack_bits(bits, pos, count, width):
    b = bits[pos:pos + count * width].astype(np.int64)
    if b.size != count * width:
        raise ValueError("truncated bit stream")
    if count == 0:
        return np.zeros(0, np.int64)
    return (b.reshape(count, width) << np.arange(width, dtype=np.int64)).sum(axis=1)


def _gap_positions(symbols, gap_bits, size):
    """Row-major positions of the kept weights from relative-index gap symbols."""
    pad = (1 << gap_bits) - 1
    symbols = np.asarray(symbols, np.int64)
    steps = np.where(symbols == pad, pad, symbols + 1)
    q = np.cumsum(steps) - 1
    pos = q[symbols != pad]
    if pos.size and pos[-1] >= size:
        raise ValueError("gap symbols place a weight at %d of %d" % (pos[-1], size))
    return pos


def _hash(seed, rows, cols, buckets):
    """HashedNets buckets and signs (io.nncompress.codec.hashing.WeightHash), uint64 arithmetic."""
    def mix64(z):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))
    with np.errstate(over="ignore"):
        i = np.arange(rows, dtype=np.uint64)[:, None]
        j = np.arange(cols, dtype=np.uint64)[None, :]
        key = (i << np.uint64(32)) | j
        s = np.uint64(int(seed) & 0xFFFFFFFFFFFFFFFF)
        x = mix64(s + np.uint64(0x9E3779B97F4A7C15) * (key + np.uint64(1)))
        bucket = (x % np.uint64(buckets)).astype(np.int64)
        sign = np.where(mix64(x) >> np.uint64(63) == 0, 1.0, -1.0)
    return bucket, sign


def _product(p, qt):
    """P (h x r) times Q^T (r x d) in float64, accumulated over k = 0..r-1 in order (as nncompress)."""
    acc = np.zeros((p.shape[0], qt.shape[1]), np.float64)
    for k in range(p.shape[1]):
        acc = acc + p[:, k:k + 1] * qt[k:k + 1, :]
    return acc


def decode_matrix(d, tensors):
    """The float64 rows x cols matrix of one codec description (as the Java decoder computes it)."""
    codec, rows, cols, prm = d["codec"], int(d["rows"]), int(d["cols"]), d.get("params", {})
    t = {role: tensors[name] for role, name in d.get("tensors", {}).items()}
    n = rows * cols
    f64 = lambda a: np.asarray(a, np.float32).astype(np.float64)
    if codec == "float32":
        return f64(t["values"]).reshape(rows, cols)
    if codec == "kmeans":
        codes = unpack(t["codes"], n, int(prm["bits"]))
        return f64(t["codebook"])[codes].reshape(rows, cols)
    if codec == "deepcomp":
        return _deepcomp(prm, t, rows, cols)
    if codec == "sparse":
        g = int(prm["gap_bits"])
        sym = unpack(t["gaps"], int(prm["n_symbols"]), g)
        m = np.zeros(n, np.float64)
        m[_gap_positions(sym, g, n)] = f64(t["values"])
        return m.reshape(rows, cols)
    if codec == "uniform":
        codes = unpack(t["codes"], n, int(prm["bits"])).reshape(rows, cols)
        scale, z = f64(t["scales"]), t["zero_points"].astype(np.int64)
        if prm["granularity"] == "row":
            scale, z = scale[:, None], z[:, None]
        return (codes - z).astype(np.float64) * scale
    if codec == "binary":
        signs = unpack(t["signs"], n, 1).reshape(rows, cols)
        a = f64(t["alphas"])[:, None]
        return np.where(signs == 1, a, -a)
    if codec in ("pq", "rq"):
        s, k, st = int(prm["blocks"]), int(prm["clusters"]), int(prm["stages"])
        books = f64(t["codebooks"]).reshape(st, s, k, cols // s)
        codes = unpack(t["codes"], st * rows * s, int(prm["code_bits"])).reshape(st, rows, s)
        m = np.zeros((rows, s, cols // s), np.float64)
        for u in range(st):
            m = m + books[u, np.arange(s)[None, :], codes[u]]
        return m.reshape(rows, cols)
    if codec == "hashed":
        bucket, sign = _hash(int(prm["seed"]), rows, cols, int(prm["buckets"]))
        return sign * f64(t["values"])[bucket]
    if codec == "lowrank":
        return _product(f64(t["p"]), f64(t["q"]).T)
    if codec == "lowrank_coded":
        return _product(decode_matrix(d["second"], tensors), decode_matrix(d["first"], tensors))
    raise ValueError("unknown codec %r" % codec)


def _deepcomp(prm, t, rows, cols):
    n, bits, g = rows * cols, int(prm["bits"]), int(prm["gap_bits"])
    sparse, huff = bool(prm["sparse"]), bool(prm["huffman"])
    ns, nv = int(prm["n_symbols"]), int(prm["n_values"])
    cb = np.asarray(t["codebook"], np.float32).astype(np.float64)
    s = _BitStream(t["stream"], int(prm["stream_bit_offset"]))
    m = np.zeros(n, np.float64)
    if sparse:
        sym = s.huffman(t["gap_code_lengths"], ns) if huff else s.read(ns, g)
        pos = _gap_positions(sym, g, n)
        idx = s.huffman(t["code_lengths"], nv) if huff else s.read(nv, bits)
        m[pos] = cb[idx]
    else:
        idx = s.huffman(t["code_lengths"], n) if huff else s.read(n, bits)
        m[:] = cb[idx]
    return m.reshape(rows, cols)


def _scatter_columns(w, shape, kept_inputs):
    """The [shape[0], in*kh*kw] weight holding w's columns at the kept input groups' columns, zeros elsewhere."""
    per_group = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    groups = np.asarray(kept_inputs, np.int64).reshape(-1)
    cols = (groups[:, None] * per_group + np.arange(per_group, dtype=np.int64)[None, :]).reshape(-1)
    full = np.zeros((shape[0], int(np.prod(shape[1:]))), np.float32)
    full[:, cols] = w
    return full


def load_compressed(path):
    """{tensor name: float32 ndarray} of model.safetensors's compressed layers, from compressed.safetensors."""
    meta, tensors = read_safetensors(path)
    if meta.get("format") != FORMAT:
        raise ValueError("%s is not an nncompress compressed safetensors file (format %r)" % (path, meta.get("format")))
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError("%s has format version %s; this loader reads up to %d"
                         % (path, meta["format_version"], FORMAT_VERSION))
    out = {}
    for name in json.loads(meta["layers"]):
        d = json.loads(meta["layer." + name])
        if d.get("output") == "factors":
            if d["codec"] == "lowrank":
                first = np.asarray(tensors[d["tensors"]["q"]], np.float32).T
                second = np.asarray(tensors[d["tensors"]["p"]], np.float32)
            else:
                first = decode_matrix(d["first"], tensors)
                second = decode_matrix(d["second"], tensors)
            out[d["first_weight"]] = np.ascontiguousarray(first, np.float32).reshape(d["first_shape"])
            out[d["second_weight"]] = np.ascontiguousarray(second, np.float32).reshape(d["second_shape"])
        else:
            w = decode_matrix(d, tensors).astype(np.float32)
            shape = [int(x) for x in d["shape"]]
            if d.get("columns") == "kept_inputs":
                w = _scatter_columns(w, shape, tensors[d["tensors"]["kept_inputs"]])
            out[d["weight"]] = np.ascontiguousarray(w.reshape(shape))
        if "bias" in d:
            out[d["bias"]] = np.array(tensors[d["tensors"]["bias"]], np.float32)
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: nncompress_load.py COMPRESSED.safetensors OUT_DIR\n")
        return 2
    weights = load_compressed(argv[1])
    os.makedirs(argv[2], exist_ok=True)
    with open(os.path.join(argv[2], "index.txt"), "w") as idx:
        for k, (name, a) in enumerate(weights.items()):
            a.astype("<f4").tofile(os.path.join(argv[2], "%d.f32" % k))
            idx.write("%d\t%s\t%s\n" % (k, name, ",".join(str(x) for x in a.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
