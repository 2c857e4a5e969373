"""Dumps the inputs of ResidualMLP's Linear layers over Fashion-MNIST training images with the
PyTorch hook script (deploy/pytorch/nncompress_dump.py), as shards for `nncompress ingest`.

    python3 conf/examples/residual-mlp/dump.py [--count 6000] [--output nncompress-example/residual-mlp/dumps]
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "deploy", "pytorch"))

from model import fashion_mnist, load  # noqa: E402
from nncompress_dump import dump_activations  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default=os.path.join(HERE, "model.safetensors"))
    p.add_argument("--count", type=int, default=6000, help="training images to run (default 6000)")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--output", default="nncompress-example/residual-mlp/dumps")
    a = p.parse_args(argv)
    model = load(a.weights).eval()
    images, _ = fashion_mnist(train=True)
    images = images[: a.count]
    names = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    batches = (images[i:i + a.batch] for i in range(0, len(images), a.batch))
    dump_activations(model, names, batches, a.output)
    print("dumped the inputs of %d Linear layers over %d images to %s" % (len(names), len(images), a.output))


if __name__ == "__main__":
    main(sys.argv[1:])
