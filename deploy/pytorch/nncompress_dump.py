#!/usr/bin/env python3
"""Dump the inputs of a PyTorch model's layers for nncompress (imports numpy and torch only).

The workflow, from a trained PyTorch model to a compressed one:

1. Dump each layer's input while the model runs over representative data (this script)::

       import torch
       from nncompress_dump import dump_activations, save_safetensors
       model = MyModel(); model.load_state_dict(torch.load("model.pt")); model.eval()
       batches = (x for x, _ in my_dataloader)            # tensors, or tuples of tensors
       dump_activations(model, ["mlp.up_proj", "mlp.down_proj", "features.3"], batches, "/data/dump")
       save_safetensors(model.state_dict(), "/data/model.safetensors")

   This writes ``/data/dump/<module name>/part-00000.npy``, ``part-00001.npy``, ... (float32,
   2-D, at most ``rows_per_shard`` rows each) and ``/data/dump/<module name>/_layer.json`` (the
   module's type and, for a Conv2d, its geometry).

2. Turn the shards into Parquet on Spark (``binary`` float32 columns, the fastest encoding)::

       bin/nncompress ingest --input /data/dump --output /data/acts

   It prints, per layer, the ``--layer`` argument for step 3. Paths may be local, file:// or hdfs://.

3. Compute each layer's autocorrelation R = E[x x^T]::

       bin/nncompress autocorr --output /data/stats \\
         --layer name=mlp.up_proj,dataset=/data/acts/mlp.up_proj,column=input \\
         --layer name=features.3,dataset=/data/acts/features.3,column=input,shape=64x16x16,kernel=3,stride=1,padding=1,dilation=1

4. Compress::

       bin/nncompress compress ...   (see the README's compress section; with the stored
                                      statistics of step 3 and /data/model.safetensors)

   and read the compressed model back into PyTorch::

       from nncompress_dump import load_safetensors
       state = load_safetensors("/data/out/model/model.safetensors")

Layouts:

* A ``Linear`` (or any module whose input is [..., d]) is dumped as rows of d: an input of shape
  [B, T, d] becomes B*T rows.
* A ``Conv2d``'s input [B, C, H, W] becomes B rows of C*H*W values in (c, h, w) order, i.e. the
  row-major flattening of each C x H x W map. This is the layout nncompress's conv layers read
  (``--layer ...,shape=CxHxW,kernel=K,...``: ``LayerInput`` parses the shape, and
  ``ConvGeometry.extractPatches`` reads value (c, y, x) at index c*H*W + y*W + x, and orders a
  patch (c, i, j) as PyTorch flattens a conv weight O x C x kh x kw). nncompress's layer spec takes
  one kernel size, stride, padding and dilation for both axes and no groups; ``_layer.json`` records
  PyTorch's values, and ``nncompress ingest`` prints the ``--layer`` argument when they fit.
* Other modules are dumped like a Linear (flattened to rows of the last dimension).

Run ``python3 nncompress_dump.py`` for this text.
"""

import json
import os
import struct

import numpy as np
import torch

__all__ = ["dump_activations", "save_safetensors", "load_safetensors"]

_NPY_MAGIC = b"\x93NUMPY\x01\x00"
# the whole .npy header (magic, length, dict, padding): fixed, so the shape can be rewritten in place
_NPY_HEADER_BYTES = 128


def _npy_header(rows, d):
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, d)
    room = _NPY_HEADER_BYTES - len(_NPY_MAGIC) - 2
    if len(text) + 1 > room:
        raise ValueError("shape (%d, %d) does not fit the .npy header" % (rows, d))
    text = text + " " * (room - len(text) - 1) + "\n"
    return _NPY_MAGIC + struct.pack("<H", room) + text.encode("latin1")


class _ShardWriter:
    """Writes one module's rows as .npy shards of at most rows_per_shard rows, streaming to disk."""

    def __init__(self, folder, rows_per_shard):
        self.folder = folder
        self.rows_per_shard = rows_per_shard
        self.d = None
        self.shards = 0
        self.rows = 0
        self.calls = 0
        self._file = None
        self._in_shard = 0

    def add(self, rows):
        """rows: a float32 C-ordered numpy array [n, d]."""
        self.calls += 1
        n, d = rows.shape
        if self.d is None:
            self.d = d
        elif d != self.d:
            raise ValueError("module input changed size between calls: %d values per row, then %d (%s)"
                             % (self.d, d, self.folder))
        start = 0
        while start < n:
            if self._file is None:
                path = os.path.join(self.folder, "part-%05d.npy" % self.shards)
                self._file = open(path, "wb")
                self._file.write(_npy_header(0, d))
                self._in_shard = 0
            take = min(n - start, self.rows_per_shard - self._in_shard)
            self._file.write(rows[start:start + take].astype("<f4", copy=False).tobytes(order="C"))
            self._in_shard += take
            self.rows += take
            start += take
            if self._in_shard == self.rows_per_shard:
                self._close_shard()

    def _close_shard(self):
        self._file.seek(0)
        self._file.write(_npy_header(self._in_shard, self.d))
        self._file.close()
        self._file = None
        self.shards += 1

    def close(self):
        if self._file is not None:
            self._close_shard()


def _module_info(name, module):
    info = {"module": name, "type": type(module).__name__}
    if isinstance(module, torch.nn.Conv2d):
        info.update(kernel=list(module.kernel_size), stride=list(module.stride),
                    padding=list(module.padding) if not isinstance(module.padding, str) else module.padding,
                    dilation=list(module.dilation), groups=module.groups, in_channels=module.in_channels)
    elif isinstance(module, torch.nn.Linear):
        info.update(in_features=module.in_features)
    return info


def _rows(module, x):
    x = x.detach()
    if x.dtype != torch.float32:
        x = x.float()
    if isinstance(module, torch.nn.Conv2d):
        if x.dim() == 3:  # an unbatched C x H x W input
            x = x.unsqueeze(0)
        if x.dim() != 4:
            raise ValueError("Conv2d input must be [B, C, H, W], got shape %s" % (tuple(x.shape),))
        rows = x.reshape(x.shape[0], -1)  # (c, h, w) order, whatever the memory format
    else:
        if x.dim() == 0:
            raise ValueError("module input is a scalar")
        rows = x.reshape(-1, x.shape[-1])
    return rows.cpu().contiguous().numpy()


def dump_activations(model, module_names, batches, out_dir, rows_per_shard=65536):
    """Runs model over batches and writes the INPUT of each named module as float32 .npy shards.

    model:          a torch.nn.Module (put it in eval() mode yourself if it has dropout/batchnorm)
    module_names:   names as in model.named_modules(), e.g. ["encoder.0.fc1", "features.3"]
    batches:        an iterable of input tensors, or of tuples of tensors (passed as model(*batch))
    out_dir:        writes out_dir/<module name>/part-00000.npy, part-00001.npy, ... and _layer.json
    rows_per_shard: rows per shard (the last shard of a module may hold fewer)

    Returns {module name: {"rows": n, "d": d, "shards": k, "shape": [C, H, W] for a Conv2d}}.
    A Linear's input [..., d] becomes rows of d; a Conv2d's input [B, C, H, W] becomes B rows of
    C*H*W in (c, h, w) order (see the module docstring). Raises ValueError for a name that is not
    a module of the model, or a module the model never called.
    """
    if rows_per_shard < 1:
        raise ValueError("rows_per_shard must be at least 1, cannot be: %r" % (rows_per_shard,))
    names = list(module_names)
    if not names:
        raise ValueError("module_names is empty: name the modules whose inputs to dump")
    if len(set(names)) != len(names):
        raise ValueError("module_names has duplicates: %s" % names)
    modules = dict(model.named_modules())
    missing = [n for n in names if n not in modules or n == ""]
    if missing:
        raise ValueError("not modules of the model: %s; the model has: %s"
                         % (missing, [n for n in modules if n]))
    os.makedirs(out_dir, exist_ok=True)
    writers = {}
    handles = []
    shapes = {}
    try:
        for name in names:
            folder = os.path.join(out_dir, name)
            os.makedirs(folder, exist_ok=True)
            for old in os.listdir(folder):
                if old.startswith("part-") and old.endswith(".npy"):
                    raise ValueError("%s already holds shards (%s): choose an empty out_dir" % (folder, old))
            writers[name] = _ShardWriter(folder, rows_per_shard)

            def hook(module, args, name=name):
                if not args or not torch.is_tensor(args[0]):
                    raise ValueError("module %s was called without a tensor as its first positional argument"
                                     % name)
                x = args[0]
                if isinstance(module, torch.nn.Conv2d):
                    chw = list(x.shape[-3:])
                    if shapes.setdefault(name, chw) != chw:
                        raise ValueError("module %s: input map changed from %s to %s" % (name, shapes[name], chw))
                writers[name].add(_rows(module, x))

            handles.append(modules[name].register_forward_pre_hook(hook))
        with torch.no_grad():
            for batch in batches:
                if isinstance(batch, (tuple, list)):
                    model(*batch)
                else:
                    model(batch)
    finally:
        for h in handles:
            h.remove()
        for w in writers.values():
            w.close()
    never = [n for n in names if writers[n].calls == 0]
    if never:
        raise ValueError("modules named but never called by the model's forward pass: %s" % never)
    summary = {}
    for name in names:
        w = writers[name]
        info = _module_info(name, modules[name])
        info.update(rows=w.rows, d=w.d, shards=w.shards)
        if name in shapes:
            info["shape"] = shapes[name]
        with open(os.path.join(out_dir, name, "_layer.json"), "w") as f:
            json.dump(info, f, indent=1)
        summary[name] = {k: info[k] for k in ("rows", "d", "shards", "shape") if k in info}
    return summary


# safetensors: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
# (and an optional "__metadata__" of strings), padded with spaces to a multiple of 8, then the data.
_TO_SAFETENSORS = {
    torch.float64: "F32", torch.float32: "F32", torch.float16: "F32", torch.bfloat16: "F32",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}
_NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U8": "u1", "BOOL": "?", "U16": "<u2", "U32": "<u4", "U64": "<u8"}


def save_safetensors(tensors, path, metadata=None):
    """Writes {name: tensor} as a safetensors file, without the safetensors package.

    Float tensors (float64/32/16, bfloat16) are written as F32; integer and bool tensors keep their
    type (e.g. batchnorm's num_batches_tracked stays I64). model.state_dict() can be passed as is.
    metadata: an optional {str: str} written as "__metadata__".
    """
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not torch.is_tensor(t):
            raise TypeError("%s is not a tensor: %r" % (name, type(t)))
        dtype = _TO_SAFETENSORS.get(t.dtype)
        if dtype is None:
            raise TypeError("%s: dtype %s is not supported" % (name, t.dtype))
        t = t.detach().cpu()
        if dtype == "F32":
            t = t.float()
        data = t.contiguous().numpy().astype(_NUMPY[dtype], copy=False).tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = str(path) + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path):
    """Reads a safetensors file into {name: torch.Tensor} (F64, F32, F16, BF16, integers, BOOL)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: %d bytes, too short for a safetensors file" % (path, len(raw)))
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError("%s: header length %d goes beyond the end of the file (%d bytes)" % (path, n, len(raw)))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        if end > len(data):
            raise ValueError("%s: tensor %s ends at byte %d of a %d-byte buffer; truncated"
                             % (path, name, end, len(data)))
        buf = data[begin:end]
        shape = tuple(e["shape"])
        if e["dtype"] == "BF16":
            bits = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            t = torch.from_numpy(bits.view(np.float32).reshape(shape).copy()).to(torch.bfloat16)
        elif e["dtype"] in _NUMPY:
            t = torch.from_numpy(np.frombuffer(buf, dtype=_NUMPY[e["dtype"]]).reshape(shape).copy())
        else:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, e["dtype"]))
        out[name] = t
    return out


if __name__ == "__main__":
    print(__doc__)
