"""Builds nncompress command lines, as argument lists, from plain Python values.

Pure Python, no Airflow: the DAG (nncompress_dag.py) calls it, and so can tests and other
schedulers. Every value ends up as one argument of its own (no shell, no string splitting, nothing
evaluated), so a path or a column name is data, whatever characters it holds; values that the
CLI itself would misread (a comma or '=' inside a layer spec) are rejected here, naming the key.

    >>> autocorr_args([{"name": "fc1", "dataset": "/data/acts", "column": "fc1"}], "/data/stats")
    ['autocorr', '--layer', 'name=fc1,dataset=/data/acts,column=fc1', '--output', '/data/stats']
"""

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

MAIN_CLASS = "io.nncompress.cli.Main"

# the keys of a layer spec, in the order the CLI documents them (LayerInput.KEYS)
LAYER_KEYS = ("name", "dataset", "column", "dim", "shape", "kernel", "stride", "padding", "dilation")
REQUIRED_LAYER_KEYS = ("name", "dataset", "column")

# autocorr's numeric options: Python name -> CLI option
AUTOCORR_OPTIONS = {
    "block_samples": "--block-samples",
    "tile_threshold": "--tile-threshold",
    "tile_size": "--tile-size",
    "max_tiles_per_task": "--max-tiles-per-task",
}


# compress --strategy (lnr.strategy)
STRATEGIES = ("parallel", "top-down", "bottom-up")


def layer_spec(layer: Mapping[str, Any]) -> str:
    """One --layer value, e.g. name=conv1,dataset=/data/maps,column=x,shape=3x32x32,kernel=3."""
    unknown = [k for k in layer if k not in LAYER_KEYS]
    if unknown:
        raise ValueError(f"layer {layer.get('name', '?')}: unknown key(s) {unknown}, allowed: {list(LAYER_KEYS)}")
    for k in REQUIRED_LAYER_KEYS:
        if not str(layer.get(k, "")).strip():
            raise ValueError(f"layer {layer.get('name', '?')}: missing key '{k}'")
    parts = []
    for k in LAYER_KEYS:
        if k not in layer or layer[k] is None:
            continue
        v = layer[k]
        if k == "shape" and isinstance(v, (list, tuple)):
            v = "x".join(str(int(d)) for d in v)
        v = str(v)
        for bad in (",", "=", "\n", "\r", "\0"):
            if bad in v:
                raise ValueError(f"layer {layer['name']}: value of '{k}' cannot hold {bad!r}, cannot be: {v!r}")
        parts.append(f"{k}={v}")
    return ",".join(parts)


def autocorr_args(layers: Iterable[Mapping[str, Any]], output: str, overwrite: bool = False,
                  no_bias: bool = False, options: Optional[Mapping[str, int]] = None,
                  validate_only: bool = False) -> List[str]:
    """The arguments of `nncompress autocorr` (what follows the application jar in spark-submit)."""
    if not str(output).strip():
        raise ValueError("output must be a path, cannot be empty")
    args = ["autocorr"]
    specs = [layer_spec(layer) for layer in layers]
    if not specs:
        raise ValueError("layers must hold at least one layer")
    for s in specs:
        args += ["--layer", s]
    args += ["--output", str(output)]
    if overwrite:
        args.append("--overwrite")
    if no_bias:
        args.append("--no-bias")
    for name, value in (options or {}).items():
        if name not in AUTOCORR_OPTIONS:
            raise ValueError(f"unknown autocorr option '{name}', allowed: {sorted(AUTOCORR_OPTIONS)}")
        if isinstance(value, bool) or int(value) != value:
            raise ValueError(f"{name} must be an integer, cannot be: {value!r}")
        args += [AUTOCORR_OPTIONS[name], str(int(value))]
    if validate_only:
        args.append("--validate-only")
    return args


def compress_args(config: str, output: Optional[str] = None, statistics: Optional[str] = None,
                  overwrite: bool = False, strategy: Optional[str] = None, validate_only: bool = False) -> List[str]:
    """The arguments of `nncompress compress`: the job's YAML config (a local or Hadoop path), and what
    overrides its output and, for a layer map, its data.statistics (the output of autocorr)."""
    if not str(config).strip():
        raise ValueError("config must be a path, cannot be empty")
    args = ["compress", "--config", str(config)]
    for option, value in (("--output", output), ("--statistics", statistics), ("--strategy", strategy)):
        if value is None:
            continue
        if not str(value).strip():
            raise ValueError(f"{option} cannot be empty")
        args += [option, str(value)]
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}, allowed: {list(STRATEGIES)}")
    if overwrite:
        args.append("--overwrite")
    if validate_only:
        args.append("--validate-only")
    return args


def spark_submit_command(app_jar: str, app_args: Sequence[str], master: Optional[str] = None,
                         deploy_mode: Optional[str] = None, conf: Optional[Mapping[str, Any]] = None,
                         name: str = "nncompress", spark_submit: str = "spark-submit") -> List[str]:
    """The whole spark-submit command line, for schedulers without a Spark operator."""
    cmd = [spark_submit, "--class", MAIN_CLASS, "--name", name]
    if master:
        cmd += ["--master", master]
    if deploy_mode:
        cmd += ["--deploy-mode", deploy_mode]
    for k, v in (conf or {}).items():
        if "=" in str(k) or not str(k).startswith("spark."):
            raise ValueError(f"conf key must be spark.* without '=', cannot be: {k!r}")
        cmd += ["--conf", f"{k}={v}"]
    return cmd + [app_jar] + list(app_args)


def example_params(data_root: str, output: str) -> Dict[str, Any]:
    """The example the DAG runs: a dense layer and a conv layer (see README, autocorr)."""
    return {
        "layers": [
            {"name": "fc1", "dataset": f"{data_root}/acts", "column": "fc1"},
            {"name": "conv1", "dataset": f"{data_root}/maps", "column": "x",
             "shape": (3, 8, 8), "kernel": 3, "stride": 1, "padding": 1, "dilation": 1},
        ],
        "output": output,
        # a retry or a rerun of the same date replaces the output, atomically (idempotent)
        "overwrite": True,
    }


def example_compress_params(config: str, statistics: str, output: str) -> Dict[str, Any]:
    """The compression the DAG runs after autocorr: the layer map of `config` (model.layers) solved from
    the statistics autocorr wrote (see conf/examples/residual-mlp/job.yaml)."""
    return {"config": config, "statistics": statistics, "output": output, "overwrite": True}


if __name__ == "__main__":
    import json
    import sys
    # python3 nncompress_command.py DATA_ROOT OUTPUT: prints the example's autocorr arguments as JSON
    print(json.dumps(autocorr_args(**example_params(sys.argv[1], sys.argv[2]))))
