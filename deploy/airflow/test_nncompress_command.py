"""Unit tests of nncompress_command (run: python3 -m unittest discover -s deploy/airflow)."""

import unittest

from nncompress_command import (autocorr_args, compress_args, example_compress_params, example_params, layer_spec,
                                spark_submit_command)


class LayerSpecTest(unittest.TestCase):
    def test_dense_and_conv(self):
        self.assertEqual("name=fc1,dataset=/d/a b,column=x", layer_spec({"column": "x", "dataset": "/d/a b", "name": "fc1"}))
        self.assertEqual("name=c,dataset=/d,column=x,shape=3x8x8,kernel=3,padding=1",
                         layer_spec({"name": "c", "dataset": "/d", "column": "x", "shape": [3, 8, 8], "kernel": 3,
                                     "padding": 1}))

    def test_rejects_what_the_cli_would_misread(self):
        with self.assertRaisesRegex(ValueError, "'dataset' cannot hold ','"):
            layer_spec({"name": "fc1", "dataset": "/a,b", "column": "x"})
        with self.assertRaisesRegex(ValueError, "unknown key"):
            layer_spec({"name": "fc1", "dataset": "/a", "column": "x", "bias": 1})
        with self.assertRaisesRegex(ValueError, "missing key 'column'"):
            layer_spec({"name": "fc1", "dataset": "/a"})


class CommandTest(unittest.TestCase):
    def test_values_stay_single_arguments(self):
        hostile = "/data/$(rm -rf ~); echo `id` 'x\" y"
        args = autocorr_args([{"name": "fc1", "dataset": hostile, "column": "c"}], hostile + "/out")
        self.assertEqual(["autocorr", "--layer", f"name=fc1,dataset={hostile},column=c", "--output", hostile + "/out"],
                         args)

    def test_options_and_flags(self):
        args = autocorr_args([{"name": "a", "dataset": "/d", "column": "a"}], "/o", overwrite=True, no_bias=True,
                             options={"tile_size": 1024}, validate_only=True)
        self.assertEqual(["--overwrite", "--no-bias", "--tile-size", "1024", "--validate-only"], args[5:])
        with self.assertRaisesRegex(ValueError, "unknown autocorr option"):
            autocorr_args([{"name": "a", "dataset": "/d", "column": "a"}], "/o", options={"tiles": 3})

    def test_spark_submit(self):
        cmd = spark_submit_command("app.jar", ["autocorr", "--output", "/o"], master="yarn", deploy_mode="cluster",
                                   conf={"spark.authenticate": "true"})
        self.assertEqual(["spark-submit", "--class", "io.nncompress.cli.Main", "--name", "nncompress", "--master",
                          "yarn", "--deploy-mode", "cluster", "--conf", "spark.authenticate=true", "app.jar",
                          "autocorr", "--output", "/o"], cmd)

    def test_example_is_idempotent(self):
        self.assertIn("--overwrite", autocorr_args(**example_params("/d", "/o")))
        self.assertIn("--overwrite", compress_args(**example_compress_params("/c.yaml", "/s", "/o")))

    def test_compress(self):
        self.assertEqual(["compress", "--config", "hdfs:///j.yaml", "--output", "/o", "--statistics", "/s x",
                          "--strategy", "parallel", "--overwrite", "--validate-only"],
                         compress_args("hdfs:///j.yaml", output="/o", statistics="/s x", strategy="parallel",
                                       overwrite=True, validate_only=True))
        self.assertEqual(["compress", "--config", "/j.yaml"], compress_args("/j.yaml"))
        with self.assertRaisesRegex(ValueError, "unknown strategy 'sideways'"):
            compress_args("/j.yaml", strategy="sideways")
        with self.assertRaisesRegex(ValueError, "--statistics cannot be empty"):
            compress_args("/j.yaml", statistics=" ")


if __name__ == "__main__":
    unittest.main()
