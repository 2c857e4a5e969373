"""ResidualMLP: a small non-sequential model for the statistics-first compression example.

    x -> embed -> [ x = x + mlp(norm(x)) ] * n_blocks -> final_norm -> head

Each block is pre-norm with a gated MLP, mlp(h) = down_proj(silu(gate_proj(h)) * up_proj(h)).
nncompress's own engine cannot run it (residual connections, LayerNorm, gating); it is compressed
from its layers' input statistics instead (see README.md and job.yaml next to this file).

Also here, dependency-free (numpy and torch only): a safetensors reader for loading a compressed
model with narrower MLPs, and a command line that prints this model's logits (used by the Java test
ResidualMlpReferenceTest to check its independent forward pass):

    python3 model.py logits --weights model.safetensors --count 64 --out logits.f32
    python3 model.py inputs --weights model.safetensors --count 64 --out DIR   # DIR/<module>.f32
    python3 model.py accuracy --weights model.safetensors
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


class GatedMLP(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.gate_proj = nn.Linear(d_model, d_ff)
        self.up_proj = nn.Linear(d_model, d_ff)
        self.down_proj = nn.Linear(d_ff, d_model)

    def forward(self, h):
        return self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Block(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.mlp = GatedMLP(d_model, d_ff)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class ResidualMLP(nn.Module):
    """d_ff: one width for every block, or a list with one width per block (a compressed model)."""

    def __init__(self, d_in=784, d_model=128, d_ff=256, n_blocks=2, n_classes=10):
        super().__init__()
        widths = list(d_ff) if isinstance(d_ff, (list, tuple)) else [d_ff] * n_blocks
        if len(widths) != n_blocks:
            raise ValueError(f"d_ff has {len(widths)} widths for {n_blocks} blocks: {widths}")
        self.d_ff = widths
        self.embed = nn.Linear(d_in, d_model)
        self.blocks = nn.ModuleList([Block(d_model, w) for w in widths])
        self.final_norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x):
        x = self.embed(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.final_norm(x))

    def widths(self):
        return {"d_in": self.embed.in_features, "d_model": self.embed.out_features, "d_ff": list(self.d_ff),
                "n_blocks": len(self.blocks), "n_classes": self.head.out_features}


# --- safetensors (the subset nncompress writes: F32, F64, F16, BF16; little-endian) ---

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def read_safetensors(path):
    """{name: float32 torch tensor} of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        raw = data[base + begin:base + end]
        if e["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif e["dtype"] in _DTYPES:
            a = np.frombuffer(raw, dtype=np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {e['dtype']}")
        out[name] = torch.from_numpy(a.astype(np.float32).reshape(e["shape"]).copy())
    return out


def widths_of(state):
    """The constructor arguments of the model whose state_dict is `state` (d_ff per block from the shapes)."""
    n_blocks = 0
    while f"blocks.{n_blocks}.mlp.gate_proj.weight" in state:
        n_blocks += 1
    return {"d_in": state["embed.weight"].shape[1], "d_model": state["embed.weight"].shape[0],
            "d_ff": [state[f"blocks.{i}.mlp.gate_proj.weight"].shape[0] for i in range(n_blocks)],
            "n_blocks": n_blocks, "n_classes": state["head.weight"].shape[0]}


def load(path):
    """A ResidualMLP with the widths and weights of a safetensors file (strict load_state_dict)."""
    state = read_safetensors(path)
    model = ResidualMLP(**widths_of(state))
    model.load_state_dict(state, strict=True)
    return model.eval()


# --- Fashion-MNIST from Debian's dataset-fashion-mnist (idx files, gzip) ---

def fashion_mnist(train, root=FASHION_MNIST):
    """(images float32 [N, 784] in [0, 1], labels int64 [N])."""
    prefix = "train" if train else "t10k"
    with gzip.open(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{prefix} images: bad magic {magic}")
        images = np.frombuffer(f.read(n * h * w), dtype=np.uint8).reshape(n, h * w)
    with gzip.open(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        magic, m = struct.unpack(">II", f.read(8))
        if magic != 2049 or m != n:
            raise ValueError(f"{prefix} labels: bad magic {magic} or count {m} != {n}")
        labels = np.frombuffer(f.read(m), dtype=np.uint8)
    return (torch.from_numpy(images.astype(np.float32) / 255.0),
            torch.from_numpy(labels.astype(np.int64)))


@torch.no_grad()
def accuracy(model, images, labels, batch=1000):
    correct = 0
    for k in range(0, len(images), batch):
        correct += (model(images[k:k + batch]).argmax(1) == labels[k:k + batch]).sum().item()
    return 100.0 * correct / len(images)


def main(argv):
    p = argparse.ArgumentParser(description="ResidualMLP on Fashion-MNIST's test images")
    p.add_argument("command", choices=["logits", "inputs", "accuracy"])
    p.add_argument("--weights", required=True)
    p.add_argument("--count", type=int, default=64, help="logits: the first COUNT test images")
    p.add_argument("--out", help="logits: a file for them, float32 little-endian [COUNT, n_classes]; "
                   "inputs: a directory for every Linear layer's input as seen by a forward pre-hook, "
                   "OUT/<module name>.f32, float32 little-endian [COUNT, in_features]")
    a = p.parse_args(argv)
    model = load(a.weights)
    images, labels = fashion_mnist(train=False)
    if a.command == "logits":
        with torch.no_grad():
            logits = model(images[:a.count]).numpy().astype("<f4")
        if a.out:
            logits.tofile(a.out)
        print(json.dumps({"count": a.count, "classes": logits.shape[1], "widths": widths_of(model.state_dict())}))
    elif a.command == "inputs":
        os.makedirs(a.out, exist_ok=True)
        seen = {}
        hooks = [m.register_forward_pre_hook(lambda mod, args, name=name: seen.__setitem__(name, args[0]))
                 for name, m in model.named_modules() if isinstance(m, nn.Linear)]
        with torch.no_grad():
            model(images[:a.count])
        for h in hooks:
            h.remove()
        for name, x in seen.items():
            x.numpy().astype("<f4").tofile(os.path.join(a.out, name + ".f32"))
        print(json.dumps({"count": a.count, "layers": {n: list(x.shape) for n, x in seen.items()}}))
    else:
        print(json.dumps({"test_accuracy": accuracy(model, images, labels), "widths": widths_of(model.state_dict())}))


if __name__ == "__main__":
    main(sys.argv[1:])
