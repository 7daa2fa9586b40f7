"""The checked ONNX Runtime session and the MiniLM tokenizer shared by the embedder and the cross-encoder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from claimwatch.errors import ModelError
from claimwatch.nlp.embed import MODEL_SHA256, model_path
from claimwatch.nlp.runtime import load_session, minilm_tokenizer


def test_session_refuses_a_missing_or_altered_graph(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no embedding model at .*nothing\.onnx; reinstall"):
        load_session(tmp_path / "nothing.onnx", MODEL_SHA256, "embedding model", "reinstall", "reinstall")
    altered = tmp_path / "graph.onnx"
    shutil.copyfile(model_path(), altered)
    with altered.open("ab") as f:
        f.write(b"\0")
    digest = hashlib.sha256(altered.read_bytes()).hexdigest()
    with pytest.raises(ModelError, match=rf"does not match the checksum pinned for the embedding model \(sha256 {digest[:12]}…\); retrain"):
        load_session(altered, MODEL_SHA256, "embedding model", "reinstall", "retrain")


def test_session_runs_the_pinned_graph() -> None:
    session = load_session(model_path(), MODEL_SHA256, "embedding model", "", "", threads=1)
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids"]


def test_tokenizer_truncates_pairs_on_the_article_side() -> None:
    tok = minilm_tokenizer(16, strategy="only_second")
    claim = "The supreme leader approved military cooperation"
    enc = tok.encode(claim, "The BBC reports that " * 20)
    assert len(enc.ids) == 16
    assert tok.decode(enc.ids[: enc.type_ids.index(1)]).startswith("the supreme leader approved military cooperation")
    assert len(minilm_tokenizer(128).encode("word " * 300).ids) == 128
