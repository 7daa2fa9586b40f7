"""Write the fp32 all-MiniLM-L6-v2 vectors of a few sentences, the reference the int8 graph is tested against.

Needs the train extra (PyTorch): `python scripts/make_embedder_reference.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

from claimwatch.lab.export import base_model_dir

SENTENCES = [
    "The BBC reports that Ayatollah Ali Khamenei has approved joint military efforts with the US.",
    "A source close to Mr. Khamenei quickly denied that report to The New York Times' Tehran correspondent.",
    "A meteorite struck Managua, Nicaragua, leaving a crater 12 metres wide.",
    "Apple will not release a gold iPhone, according to people familiar with the matter.",
    "The cat sat on the mat.",
    "Officials said the video was a hoax and that no such attack took place.",
]
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm-fp32-reference.json"


def main() -> None:
    """Embed SENTENCES with the fp32 model (mean pooling, unit length) and write them."""
    tok = AutoTokenizer.from_pretrained(str(base_model_dir()))
    model = AutoModel.from_pretrained(str(base_model_dir())).eval()
    vectors = []
    with torch.no_grad():
        for text in SENTENCES:
            b = tok(text, return_tensors="pt", truncation=True, max_length=128)
            v = model(**b).last_hidden_state[0].mean(0)
            vectors.append([round(float(x), 6) for x in v / v.norm()])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"model": "all-MiniLM-L6-v2 fp32", "sentences": SENTENCES, "vectors": vectors}) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
