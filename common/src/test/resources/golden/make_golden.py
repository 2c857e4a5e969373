#!/usr/bin/env python3
"""Writes the safetensors golden files of the Java tests, independently of the Java code.

Only the Python standard library (struct, json) and numpy; no safetensors package (none is
packaged for Debian and PyPI is not reachable). It follows the format spec of
https://github.com/huggingface/safetensors and the reference writer's conventions:
tensors ordered by dtype size descending then name, compact JSON with __metadata__ first,
header padded with spaces to a multiple of 8, u64 little-endian header length.

Run from this directory:  python3 make_golden.py
Outputs:
  golden_write.safetensors  F64 + F32 tensors + metadata; the Java writer must reproduce these bytes
  golden_read.safetensors   F64, F32, F16, BF16, I64, U8 tensors; the Java reader must read the values
  golden_read_expected.json the values of golden_read as exact doubles (row-major), and shapes
"""
import json
import struct

import numpy as np


def bf16_bytes(values):
    """bfloat16 = top 16 bits of float32 (truncation, so the expected value is exact)."""
    bits = np.asarray(values, dtype='<f4').view('<u4') >> 16
    return bits.astype('<u2').tobytes(), (bits.astype('<u4') << 16).view('<f4').astype(np.float64)


def write(path, tensors, metadata):
    """tensors: name -> (dtype name, shape, raw little-endian bytes)."""
    size = {'F64': 8, 'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8, 'U8': 1}
    order = sorted(tensors, key=lambda n: (-size[tensors[n][0]], n))
    header = {}
    if metadata:
        header['__metadata__'] = dict(sorted(metadata.items()))
    offset = 0
    for name in order:
        dtype, shape, raw = tensors[name]
        n = int(np.prod(shape)) if shape else 1
        assert len(raw) == n * size[dtype], name
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][2])


def main():
    # writer golden: values the Java test rebuilds with the same formulas
    w = (np.arange(12, dtype=np.float64).reshape(3, 4) / 3.0 - 1.0)
    b = np.array([0.1, -0.2, 0.3])
    d = np.arange(6, dtype=np.float64).reshape(2, 3) / 7.0
    write('golden_write.safetensors', {
        'fc.weight': ('F32', [3, 4], w.astype('<f4').tobytes()),
        'fc.bias': ('F32', [3], b.astype('<f4').tobytes()),
        'stats.mean': ('F64', [2, 3], d.astype('<f8').tobytes()),
        'scalar': ('F32', [], np.array(2.5, dtype='<f4').tobytes()),
    }, {'format': 'pt', 'producer': 'make_golden.py'})

    # reader golden: every dtype, including F16 subnormal / inf / nan / max
    f16 = np.array([[1.0 / 3.0, -2.5, 65504.0], [6e-8, -0.0, 1e-5]], dtype='<f2')
    f16_special = np.array([np.inf, -np.inf], dtype='<f2')
    bf_raw, bf_expected = bf16_bytes([1.0 / 3.0, -123.456, 3.0e38, 1e-30])
    f32 = (np.arange(2 * 3 * 2, dtype=np.float64).reshape(2, 3, 2) * 0.7 - 3.1).astype('<f4')
    f64 = np.array([np.pi, -np.e, 1e-300])
    write('golden_read.safetensors', {
        'half': ('F16', [2, 3], f16.tobytes()),
        'half_inf': ('F16', [2], f16_special.tobytes()),
        'brain': ('BF16', [4], bf_raw),
        'single': ('F32', [2, 3, 2], f32.tobytes()),
        'double': ('F64', [3], f64.tobytes()),
        'empty': ('F32', [0, 4], b''),
        'bn.num_batches_tracked': ('I64', [], np.array(-937, dtype='<i8').tobytes()),
        'mask': ('U8', [3], np.array([0, 1, 255], dtype='<u1').tobytes()),
    }, {})
    expected = {
        'half': {'shape': [2, 3], 'values': [float(v) for v in f16.astype(np.float64).ravel()]},
        'half_inf': {'shape': [2], 'values': ['inf', '-inf']},
        'brain': {'shape': [4], 'values': [float(v) for v in bf_expected]},
        'single': {'shape': [2, 3, 2], 'values': [float(v) for v in f32.astype(np.float64).ravel()]},
        'double': {'shape': [3], 'values': [float(v) for v in f64]},
        'empty': {'shape': [0, 4], 'values': []},
        'bn.num_batches_tracked': {'shape': [], 'values': [-937.0]},
        'mask': {'shape': [3], 'values': [0.0, 1.0, 255.0]},
    }
    with open('golden_read_expected.json', 'w') as f:
        json.dump(expected, f, indent=1)


if __name__ == '__main__':
    main()
