"""A corpus of bad inputs, ingested in one directory by the real CLI: one clear line per bad item, the good ones stored.

Everything is generated in tmp_path (the large files are sparse or written on the fly), so nothing
big is committed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from claimwatch.settings import Settings
from claimwatch.store import Store
from tests.conftest import ROOT

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}

STORIES = {
    "good.txt": (
        "Harbour terminal to close for repairs",
        "The harbour authority said on Monday that the old ferry terminal would close for two years while engineers "
        "rebuild its sea wall. Commuters will use a temporary pier further along the quay, and the authority promised "
        "extra buses during the morning rush.",
    ),
    "good.jsonl": (
        "Library extends its opening hours",
        "The city library will open until ten at night from next month, the council announced on Wednesday. Officials "
        "said the longer hours were paid for by a grant from a local charity and would be reviewed after a year.",
    ),
    "utf16-bom.txt": (
        "Rail strike called off after late talks",
        "A national rail strike planned for Friday was called off late on Thursday after the union and the operators "
        "agreed to resume negotiations. Passengers had been warned to expect cancellations across the whole network.",
    ),
    "utf16-nobom.txt": (
        "Orchard growers report record apple harvest",
        "Growers in the valley picked more apples this autumn than in any year on record, the farmers' association said. "
        "A warm spring and a dry September were behind the crop, though prices at the market have fallen as a result.",
    ),
}

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10))
    + ']>\n<rss version="2.0"><channel><title>Boom</title><item><title>Boom</title><description>&lol9;</description></item></channel></rss>'
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
    '<rss version="2.0"><channel><title>Leak</title><item><title>Leak</title><description>&xxe;</description></item></channel></rss>'
)

# file name -> the reason it must be refused with (a fragment of the one failure line)
BAD = {
    "empty.txt": "empty file",
    "binary.txt": "binary content, not text (NUL or control bytes found)",
    "archive.txt": "binary content, not text: gzip-compressed data; decompress it first",
    "huge.txt": "too large: 23.8 MiB exceeds the 20 MiB limit (CLAIMWATCH_MAX_BYTES)",
    "latin1.txt": "cannot decode as UTF-8 (byte 0xe9 at offset 3); re-save the file as UTF-8 or pass --encoding (for example --encoding latin-1)",
    "lines.txt": "article too long: 4,000,000 characters (limit 1,000,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)",
    "oneline.txt": "article too long: 12,000,000 characters (limit 1,000,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)",
    "paragraphs.html": "article too long: the page holds 8,100,000 characters of text (limit 1,000,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)",
    "broken.csv": "malformed CSV: unexpected end of data",
    "broken.jsonl": "malformed JSON: Expecting value at column 29",
    "broken.rss": "not a readable RSS/Atom feed: malformed XML, no element found (line 1, column ",
    "xxe.rss": "refused: the feed declares an external XML entity (XXE); entities are never expanded",
    "laughs.rss": "refused: the feed declares nested XML entities (entity expansion, as in billion laughs)",
    "loop.txt": "symbolic link loop (the link resolves back to itself)",
}


def write_corpus(folder: Path) -> None:
    folder.mkdir()
    for name, (title, body) in STORIES.items():
        if name.endswith(".jsonl"):
            (folder / name).write_text(json.dumps({"title": title, "text": body}) + "\n", "utf-8")
        else:
            text = f"{title}\n\n{body}\n"
            data = text.encode("utf-16") if "bom" in name and "nobom" not in name else text.encode("utf-16-le")
            (folder / name).write_bytes(text.encode("utf-8") if name == "good.txt" else data)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01" + random.Random(13).randbytes(4096))
    (folder / "archive.txt").write_bytes(gzip.compress(b"Gzip renamed to .txt\n\n" + STORIES["good.txt"][1].encode()))
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(25_000_000)  # sparse: over the 20 MiB limit without writing 25 MB
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners protest against the new parking rules in the old town.\n".encode("latin-1"))
    (folder / "lines.txt").write_bytes(b"abc\n" * 1_000_000)
    (folder / "oneline.txt").write_bytes(b"word " * 2_400_000)
    (folder / "paragraphs.html").write_text("<html><body>" + "<p>The council met on Tuesday.</p>" * 300_000 + "</body></html>", "utf-8")
    (folder / "broken.csv").write_text('title,text\nBroken,"The mayor said the quote never ends\n', "utf-8")
    (folder / "broken.jsonl").write_text('{"title": "Broken", "text": \n', "utf-8")
    (folder / "broken.rss").write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>broken', "utf-8")
    (folder / "xxe.rss").write_text(XXE, "utf-8")
    (folder / "laughs.rss").write_text(BILLION_LAUGHS, "utf-8")
    os.symlink("loop.txt", folder / "loop.txt")


def item_name(origin: str) -> str:
    """The file name of a failure's origin, without a :line or #entry suffix."""
    return Path(re.sub(r"(:\d+|#.*)$", "", origin)).name


def test_bad_inputs_each_fail_once_with_a_specific_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    db = tmp_path / "tmp.db"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch", "ingest", str(corpus), "--db", str(db), "--json", "--no-analyze", "--no-match"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)

    failed = report["failed"]
    names = [item_name(f["origin"]) for f in failed]
    assert sorted(names) == sorted(BAD), failed  # exactly one failure line per bad item, none for the good ones
    for failure in failed:
        name = item_name(failure["origin"])
        assert failure["origin"].startswith(str(corpus / name)), failure
        assert BAD[name] in failure["reason"], failure
        assert "\n" not in failure["reason"] and "root:" not in failure["reason"]

    assert len(report["ingested"]) == len(STORIES)
    with Store(Settings(db=str(db))) as store:
        stored = {a.title: a.text for a in store.list_articles(limit=100)}
    assert set(stored) == {title for title, _ in STORIES.values()}
    assert all("root:" not in text and "lol" not in text for text in stored.values())
    assert elapsed < 60, f"took {elapsed:.1f} s"
