"""Trains ResidualMLP (model.py) on Fashion-MNIST and writes the example's fixture next to this file:

    model.safetensors  float32 state_dict with PyTorch's names (embed.weight, blocks.0.mlp.gate_proj.weight, ...)
    model.json         the widths, the training settings and the test accuracy measured here

    python3 conf/examples/residual-mlp/train.py [--epochs 6] [--out DIR]

CPU only, a fixed seed; about a minute on 2 cores. Needs numpy and torch (Debian: python3-torch) and
Debian's dataset-fashion-mnist.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import ResidualMLP, accuracy, fashion_mnist, widths_of  # noqa: E402


def _write_safetensors(path, state):
    """A minimal safetensors writer (float32 only): 8-byte LE header length, JSON header, raw bytes.

    Private to this example on purpose (deploy/pytorch/nncompress_dump.py has its own).
    """
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4")
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data buffer starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=HERE, help="where model.safetensors and model.json go (default: next to this file)")
    a = p.parse_args(argv)

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    train_x, train_y = fashion_mnist(train=True)
    test_x, test_y = fashion_mnist(train=False)
    model = ResidualMLP()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed)

    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for k in range(0, len(order), a.batch):
            idx = order[k:k + a.batch]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {total / len(order):.4f}, "
              f"test accuracy {accuracy(model, test_x, test_y):.2f}%, {time.time() - start:.1f} s", flush=True)
    seconds = time.time() - start

    model.eval()
    test_acc = accuracy(model, test_x, test_y)
    state = model.state_dict()
    os.makedirs(a.out, exist_ok=True)
    _write_safetensors(os.path.join(a.out, "model.safetensors"), state)
    params = sum(t.numel() for t in state.values())
    info = {
        "model": "ResidualMLP (conf/examples/residual-mlp/model.py)",
        "widths": widths_of(state),
        "parameters": params,
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist): 60,000 training, 10,000 test images, pixels / 255",
        "training": {"optimizer": "Adam", "lr": a.lr, "batch": a.batch, "epochs": a.epochs, "seed": a.seed,
                     "threads": a.threads, "seconds": round(seconds, 1), "torch": torch.__version__},
        "test_images": len(test_x),
        "test_correct": int(round(test_acc * len(test_x) / 100)),
        "test_accuracy": round(test_acc, 2),
    }
    with open(os.path.join(a.out, "model.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(f"test accuracy {test_acc:.2f}% ({params} parameters) in {seconds:.1f} s; wrote {a.out}/model.safetensors")


if __name__ == "__main__":
    main(sys.argv[1:])
