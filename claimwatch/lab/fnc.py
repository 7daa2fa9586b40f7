"""FNC-1 data: loading the two CSVs, hashing them, and topic-disjoint folds."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import InputError
from claimwatch.records import STANCE_LABELS


@dataclass
class FncData:
    """Bodies by id and (headline, body id, stance) pairs."""

    bodies: dict[int, str]
    pairs: list[tuple[str, int, str]]
    sha256: str


def load_fnc(bodies_csv: Path, stances_csv: Path) -> FncData:
    """Read FNC-1 `*_bodies.csv` (Body ID, articleBody) and `*_stances.csv` (Headline, Body ID, Stance)."""
    digest = hashlib.sha256()
    bodies: dict[int, str] = {}
    pairs: list[tuple[str, int, str]] = []
    for path in (bodies_csv, stances_csv):
        if not path.is_file():
            raise InputError(str(path), "no such file")
        digest.update(path.read_bytes())
    try:
        with open(bodies_csv, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                bodies[int(row["Body ID"])] = row["articleBody"]
        with open(stances_csv, encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                stance = row.get("Stance", "").strip()
                if stance not in STANCE_LABELS:
                    raise InputError(f"{stances_csv}:{n}", f"unknown stance {stance!r}")
                body_id = int(row["Body ID"])
                if body_id not in bodies:
                    raise InputError(f"{stances_csv}:{n}", f"Body ID {body_id} is not in {bodies_csv}")
                pairs.append((row["Headline"], body_id, stance))
    except (KeyError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        raise InputError(str(bodies_csv), f"not in the FNC-1 layout: {exc}") from None
    return FncData(bodies=bodies, pairs=pairs, sha256=digest.hexdigest())


def topic_components(pairs: list[tuple[str, int, str]]) -> tuple[dict[int, int], dict[str, int]]:
    """Topics = connected components of bodies and headlines linked by related (non-unrelated) pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for headline, body_id, stance in pairs:
        find(f"h:{headline}")
        find(f"b:{body_id}")
        if stance != "unrelated":
            a, b = find(f"h:{headline}"), find(f"b:{body_id}")
            if a != b:
                parent[a] = b
    roots: dict[str, int] = {}
    body_topic: dict[int, int] = {}
    head_topic: dict[str, int] = {}
    for key in sorted(parent):
        topic = roots.setdefault(find(key), len(roots))
        if key.startswith("b:"):
            body_topic[int(key[2:])] = topic
        else:
            head_topic[key[2:]] = topic
    return body_topic, head_topic


def topic_folds(data: FncData, k: int = 5) -> list[set[int]]:
    """Split topics into k folds of similar pair counts (greedy, deterministic); returns topic ids per fold."""
    body_topic, _ = topic_components(data.pairs)
    size: dict[int, int] = {}
    for _, body_id, _ in data.pairs:
        size[body_topic[body_id]] = size.get(body_topic[body_id], 0) + 1
    folds: list[set[int]] = [set() for _ in range(k)]
    load = [0] * k
    for topic in sorted(size, key=lambda t: (-size[t], t)):
        i = load.index(min(load))
        folds[i].add(topic)
        load[i] += size[topic]
    return folds


def body_folds(data: FncData, k: int = 5) -> list[set[int]]:
    """Split body ids into k folds (deterministic by id hash), the FNC-1 'unseen bodies' protocol."""
    folds: list[set[int]] = [set() for _ in range(k)]
    for body_id in sorted(data.bodies):
        folds[int(hashlib.md5(str(body_id).encode()).hexdigest(), 16) % k].add(body_id)
    return folds
