#!/usr/bin/python3
"""Loads a safetensors file written by nncompress into PyTorch and checks it computes what Java computed.

Debian's python3-torch (1.13) has no safetensors module, so the file is parsed here with struct/json
(independently of the Java reader) and each tensor becomes a torch tensor via torch.frombuffer.
The model (nncompress's lenet300100 or convnet teacher, from TrainTeacher) is rebuilt with
torch.nn.functional and evaluated on the Fashion-MNIST test set; the accuracy must equal the
test_accuracy that Java stored in the file's __metadata__.

usage: /usr/bin/python3 torch_load_check.py <model.safetensors> [fashion-mnist dir]
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {'F32': torch.float32, 'F64': torch.float64}


def load(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    buf = bytearray(data[8 + n:])
    tensors = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        t = torch.frombuffer(buf[b:e], dtype=DTYPES[info['dtype']]) if e > b else torch.zeros(0)
        tensors[name] = t.reshape(info['shape']).clone()
    return tensors, meta


def idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    (magic,) = struct.unpack('>I', raw[:4])
    rank = magic & 0xff
    dims = struct.unpack('>' + 'I' * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    path = sys.argv[1]
    data_dir = sys.argv[2] if len(sys.argv) > 2 else '/usr/share/datasets/fashion-mnist'
    t, meta = load(path)
    x = torch.from_numpy(idx(data_dir + '/t10k-images-idx3-ubyte.gz').astype(np.float32) / 255.0)
    y = torch.from_numpy(idx(data_dir + '/t10k-labels-idx1-ubyte.gz').astype(np.int64))
    with torch.no_grad():
        if meta.get('model') == 'convnet':
            h = x.reshape(-1, 1, 28, 28)
            h = F.max_pool2d(F.relu(F.conv2d(h, t['conv1.weight'], t['conv1.bias'])), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, t['conv2.weight'], t['conv2.bias'])), 2)
            out = F.linear(h.flatten(1), t['fc1.weight'], t['fc1.bias'])
        else:
            h = x.reshape(-1, 784)
            h = F.relu(F.linear(h, t['fc1.weight'], t['fc1.bias']))
            h = F.relu(F.linear(h, t['fc2.weight'], t['fc2.bias']))
            out = F.linear(h, t['fc3.weight'], t['fc3.bias'])
    acc = (out.argmax(1) == y).float().mean().item()
    print('torch %s: %s test accuracy %.4f, Java stored %s; tensors %s' % (
        torch.__version__, meta.get('model'), acc, meta.get('test_accuracy'),
        {k: list(v.shape) for k, v in sorted(t.items())}))
    if meta.get('test_accuracy') is not None and abs(acc - float(meta['test_accuracy'])) > 2e-4:
        sys.exit('accuracy differs from the one Java measured')


if __name__ == '__main__':
    main()
