"""Writes a small ONNX speaker-embedding model of the shape real ones have (CAM++, WeSpeaker): fbank features
[batch, frames, bins] in, embedding [batch, dim] out. It pools the root mean square of each bin over time (the input
is mean-normalised, so a plain mean would be zero) and projects it with a fixed random matrix. It proves the
plumbing, not quality.

usage: onnx-embedder-model.py OUT.onnx [--bins 80] [--dim 192] [--seed 7] [--weights OUT.f32]
(--weights also writes the projection matrix, row-major float32, so a test can compute the expected output.)
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--bins", type=int, default=80)
parser.add_argument("--dim", type=int, default=192)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--weights")
args = parser.parse_args()

rng = np.random.default_rng(args.seed)
weights = rng.standard_normal((args.bins, args.dim)).astype(np.float32) / np.sqrt(args.bins)
nodes = [
    helper.make_node("Mul", ["feats", "feats"], ["squares"]),
    helper.make_node("ReduceMean", ["squares"], ["power"], axes=[1], keepdims=0),
    helper.make_node("Sqrt", ["power"], ["rms"]),
    helper.make_node("MatMul", ["rms", "projection"], ["embs"]),
]
graph = helper.make_graph(
    nodes,
    "test-speaker-embedder",
    [helper.make_tensor_value_info("feats", TensorProto.FLOAT, ["B", "T", args.bins])],
    [helper.make_tensor_value_info("embs", TensorProto.FLOAT, ["B", args.dim])],
    initializer=[numpy_helper.from_array(weights, "projection")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="jdr-transcriber tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, args.out)
if args.weights:
    weights.tofile(args.weights)
