"""Issue #13: hostile and awkward inputs — feeds (teasers, XXE, entity bombs), encodings, language, huge texts, symlinks.

Every test uses real files in tmp_path and, for fetching, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import array
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claimwatch.ingest import iter_sources
from claimwatch.ingest.decode import check_english, language_identifier
from claimwatch.records import Article, IngestFailure
from claimwatch.settings import Settings
from tests.conftest import ROOT, Site
from tests.reliability.inputs_http import serve

STORY = (
    "The harbour authority said on Monday that the old ferry terminal would close for two years while engineers "
    "rebuild its sea wall. Commuters will use a temporary pier further along the quay, and the authority promised "
    "extra buses during the morning rush. Local traders said they feared a long drop in visitors."
)
PAGE = f"<html><head><title>Ferry terminal to close</title></head><body><article><p>{STORY}</p></article></body></html>"


def run(sources: list[str], settings: Settings, encoding: str | None = None) -> tuple[list[Article], list[IngestFailure]]:
    items = list(iter_sources(sources, settings, encoding))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, IngestFailure)]


# -- 3. feeds ---------------------------------------------------------------------------------


def rss(*items: str, head: str = "") -> str:
    return f'<?xml version="1.0"?>\n{head}<rss version="2.0"><channel><title>Harbour News</title>{"".join(items)}</channel></rss>'


def test_entry_whose_page_fails_is_a_failure_not_its_summary(site: Site, settings: Settings) -> None:
    teaser = "The harbour authority will close the old ferry terminal for two years while engineers rebuild its sea wall."
    good = site.add("/story/1", PAGE)
    feed = site.add(
        "/feed.xml",
        rss(
            f"<item><title>Terminal to close</title><link>{good}</link><description>{teaser}</description></item>",
            f"<item><title>Gone</title><link>{site.base}/gone</link><description>{teaser} More soon.</description></item>",
        ),
        "application/rss+xml",
    )
    arts, fails = run([feed], settings)
    assert [a.title for a in arts] == ["Terminal to close"] and arts[0].url == good
    [fail] = fails  # before: the 117-character teaser was stored as the article
    assert fail.origin == f"{feed}#entry=2 ({site.base}/gone)"
    summary = len(teaser + " More soon.")
    assert (
        fail.reason == f"linked page not ingested: HTTP 404 Not Found (the entry's {summary}-character summary is not stored in its place)"
    )


def test_entry_with_full_content_is_not_fetched(tmp_path: Path, settings: Settings) -> None:
    long_content = "<p>" + " ".join([STORY] * 6) + "</p>"
    assert len(long_content) >= 1500
    escaped = long_content.replace("<", "&lt;").replace(">", "&gt;")
    with serve() as server:
        link = server.page("/story", PAGE)
        path = tmp_path / "full.rss"
        path.write_text(
            rss(
                f"<item><title>Encoded</title><link>{link}</link><content:encoded>{escaped}</content:encoded></item>",
                f"<item><title>Described</title><link>{link}</link><description>{escaped}</description></item>",
            ).replace("<rss ", '<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" '),
            "utf-8",
        )
        arts, fails = run([str(path)], settings)
        assert not fails and [a.title for a in arts] == ["Encoded", "Described"]
        assert server.requests == []  # a 1500+ character description is the full text too, not a teaser


XXE_FORMS = {
    "multi-line": '<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{secret}">\n]>\n',
    "one-line": '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    "parameter": '<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
    "public": '<!DOCTYPE rss [<!ENTITY xxe PUBLIC "-//x//EN" "file://{secret}">]>',
}


@pytest.mark.parametrize("form", sorted(XXE_FORMS))
def test_xxe_to_a_local_file_is_refused_and_never_leaks(tmp_path: Path, settings: Settings, form: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731 " * 40, "utf-8")
    head = XXE_FORMS[form].format(secret=secret)
    path = tmp_path / "xxe.rss"
    path.write_text(rss(f"<item><title>Leak</title><description>{STORY} &xxe;</description></item>", head=head), "utf-8")
    arts, [fail] = run([str(path)], settings)
    assert arts == [] and "TOP-SECRET" not in fail.reason
    assert fail.origin == str(path)
    assert fail.reason == "refused: the feed declares an external XML entity (XXE); entities are never expanded"


def test_xxe_to_an_http_url_makes_no_request(settings: Settings) -> None:
    with serve() as server:
        server.page("/xxe", "TOP-SECRET-7731", "text/plain")
        head = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{server.base}/xxe">]>'
        feed = server.page(
            "/feed.xml", rss(f"<item><title>Leak</title><description>{STORY} &xxe;</description></item>", head=head), "application/rss+xml"
        )
        arts, [fail] = run([feed], settings)
        assert arts == [] and "external XML entity" in fail.reason
        assert server.paths == ["/feed.xml"]  # the entity's URL was never requested


def billion_laughs(one_line: bool) -> str:
    decls = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)]
    sep = "" if one_line else "\n"
    return rss(
        f"<item><title>Boom</title><description>{STORY} &lol9;</description></item>",
        head=f"<!DOCTYPE lolz [{sep}{sep.join(decls)}{sep}]>\n",
    )


def test_entity_bombs_are_refused_fast(tmp_path: Path, settings: Settings) -> None:
    bombs = {
        "laughs.rss": billion_laughs(one_line=False),
        "laughs1.rss": billion_laughs(one_line=True),
        # one long "safe" entity referenced many times: feedparser expanded this to 200 MB in ~9 s
        "quadratic.rss": rss(
            f"<item><title>Boom</title><description>{STORY} {'&a;' * 2000}</description></item>",
            head=f'<!DOCTYPE rss [\n<!ENTITY a "{"A" * 100_000}">\n]>\n',
        ),
    }
    for name, text in bombs.items():
        (tmp_path / name).write_text(text, "utf-8")
    start = time.monotonic()
    arts, fails = run([str(tmp_path)], settings)
    assert time.monotonic() - start < 5
    assert arts == []
    reasons = {Path(f.origin).name: f.reason for f in fails}
    nested = "refused: the feed declares nested XML entities (entity expansion, as in billion laughs)"
    assert reasons == {
        "laughs.rss": nested,
        "laughs1.rss": nested,
        "quadratic.rss": "refused: the feed declares XML entities (<!ENTITY>), which are never expanded",
    }


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path: Path, settings: Settings) -> None:
    private = tmp_path / "private.rss"
    private.write_text(rss(f"<item><title>Private</title><description>{STORY}</description></item>"), "utf-8")
    pointer = tmp_path / "pointer.xml"
    pointer.write_bytes(str(private).encode())  # before: feedparser opened this path and ingested the private feed
    arts, [fail] = run([str(pointer)], settings)
    assert arts == []
    assert fail.origin == str(pointer) and fail.reason.startswith("not a readable RSS/Atom feed: malformed XML")


def test_malformed_feed_is_one_clear_failure(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.rss"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>broken', "utf-8")
    arts, [fail] = run([str(path)], settings)
    assert arts == [] and fail.origin == str(path)
    assert fail.reason.startswith("not a readable RSS/Atom feed: malformed XML, no element found (line 1, column ")


# -- 4. decoding ------------------------------------------------------------------------------

TEXT = "Ferry terminal to close\n\n" + STORY + " The caf\u00e9 by the pier will stay open.\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_with_explicit_encoding(tmp_path: Path, settings: Settings, encoding: str) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(TEXT.encode(encoding))  # before: refused as binary even with --encoding
    [art], fails = run([str(path)], settings, encoding=encoding)
    assert not fails and art.title == "Ferry terminal to close" and "caf\u00e9 by the pier" in art.text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-8-sig"])
def test_utf16_and_boms_are_detected_without_encoding(tmp_path: Path, settings: Settings, encoding: str) -> None:
    for suffix in (".txt", ".html", ".jsonl"):
        path = tmp_path / f"story{suffix}"
        text = {".txt": TEXT, ".html": PAGE, ".jsonl": json.dumps({"title": "Ferry", "text": STORY}) + "\n"}[suffix]
        path.write_bytes(text.encode(encoding))
        [art], fails = run([str(path)], settings)
        assert not fails and "old ferry terminal" in art.text, suffix
        path.unlink()


def test_latin1_needs_encoding_and_works_with_it(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(TEXT.encode("latin-1"))
    _, [fail] = run([str(path)], settings)
    assert fail.reason == (
        f"cannot decode as UTF-8 (byte 0xe9 at offset {TEXT.encode('latin-1').index(0xE9)}); "
        "re-save the file as UTF-8 or pass --encoding (for example --encoding latin-1)"
    )
    [art], _ = run([str(path)], settings, encoding="latin-1")
    assert "caf\u00e9 by the pier" in art.text


def test_binary_lookalikes_are_still_refused(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "archive.txt").write_bytes(gzip.compress(TEXT.encode()))
    samples = array.array("h", [1 + i % 200 for i in range(2000)])  # int16 LE: the UTF-16 NUL pattern
    (tmp_path / "samples.txt").write_bytes(samples.tobytes())
    (tmp_path / "forced.txt").write_bytes(bytes(range(32)) * 50)
    _, fails = run([str(tmp_path / "archive.txt"), str(tmp_path / "samples.txt")], settings)
    _, forced = run([str(tmp_path / "forced.txt")], settings, encoding="latin-1")
    reasons = {Path(f.origin).name: f.reason for f in fails + forced}
    assert reasons == {
        "archive.txt": "binary content, not text: gzip-compressed data; decompress it first",
        "samples.txt": "binary content, not text (NUL or control characters after decoding)",
        "forced.txt": "binary content, not text (NUL or control characters after decoding)",
    }


# -- 5. language -------------------------------------------------------------------------------

FOREIGN = {
    "French": "Le conseil municipal a adopté le nouveau budget mardi après un long débat. Le maire a déclaré que le plan "
    "financerait les écoles et la réparation des routes dans tout le district. Les opposants ont estimé que la hausse "
    "des impôts était injuste pour les petits commerces et les locataires.",
    "German": "Der Stadtrat hat den neuen Haushalt am Dienstag nach einer langen Debatte verabschiedet. Der Bürgermeister "
    "sagte, der Plan werde Schulen finanzieren und Straßen im ganzen Bezirk reparieren. Gegner argumentierten, die "
    "Steuererhöhung sei unfair gegenüber kleinen Unternehmen und Mietern.",
    "Spanish": "El ayuntamiento aprobó el nuevo presupuesto el martes tras un largo debate. El alcalde dijo que el plan "
    "financiaría escuelas y repararía carreteras en todo el distrito. Los opositores argumentaron que el aumento de "
    "impuestos era injusto para las pequeñas empresas y los inquilinos.",
}

ENGLISH_LISTS = {
    "meal plan": "Meal plan for the week\n\nMonday: oatmeal, banana, coffee.\nLunch: chicken salad, apple.\n"
    "Dinner: salmon, rice, broccoli.\nTuesday: eggs, toast, orange juice.\nLunch: tuna wrap, carrots.\n"
    "Dinner: pasta, tomato sauce, spinach.\nWednesday: yogurt, granola, berries.\nLunch: turkey sandwich, grapes.\n"
    "Dinner: beef stir fry, noodles, peppers.\nThursday: porridge, pear.\nLunch: lentil soup, bread.\nDinner: roast chicken, potatoes.",
    "box scores": "NBA round-up\n\nCeltics 112, Knicks 104. Tatum 31 pts, 9 reb; Brown 22 pts. Brunson 28 pts, 7 ast.\n"
    "Lakers 118, Nuggets 115 (OT). James 34 pts, 11 ast; Davis 25 pts, 14 reb. Jokic 38 pts, 16 reb, 12 ast.\n"
    "Heat 99, Bucks 97. Butler 27 pts; Antetokounmpo 33 pts, 12 reb.\nWarriors 121, Suns 113. Curry 36 pts, 8 3PM; Durant 29 pts.\n"
    "Mavericks 108, Clippers 101. Doncic 41 pts, 10 reb, 9 ast; Leonard 24 pts.\nSpurs 95, Pelicans 90. Wembanyama 27 pts, 14 reb, 6 blk.",
    "football results": "Weekend results\n\nArsenal 2 Chelsea 1 (Saka 23, Havertz 67; Palmer 55). Liverpool 3 Everton 0 "
    "(Salah 12, 44, Nunez 80). Man City 1 Spurs 1 (Haaland 30; Son 71). Newcastle 0 Villa 2 (Watkins 15, Bailey 88). "
    "Brighton 4 Fulham 2. Wolves 1 Brentford 1. Standings: Arsenal 45, Liverpool 44, City 40, Villa 39, Spurs 36.",
    "menu of French dishes": "Tonight's menu\n\n" + "Soupe a l'oignon; Coq au vin; Boeuf bourguignon; Creme brulee; Tarte Tatin; "
    "Croque monsieur; Salade nicoise; Ratatouille; Bouillabaisse; Mousse au chocolat. " * 3 + "Prices from $12.",
    "prose quoting French": "President Emmanuel Macron told reporters in Paris on Monday that 'la France ne cedera pas' as the "
    "strikes went on. The government said talks with the unions would resume on Thursday, while trains and buses across "
    "the country stayed disrupted and long queues formed at petrol stations in the north.",
}


@pytest.mark.parametrize("language", sorted(FOREIGN))
def test_other_languages_are_refused_by_name(tmp_path: Path, settings: Settings, language: str) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Titre\n\n" + FOREIGN[language], "utf-8")
    _, [fail] = run([str(path)], settings)
    assert fail.reason.startswith(f"text does not look like English: detected {language} (")
    assert fail.reason.endswith("confident); claimwatch analyses English news")


@pytest.mark.parametrize("kind", sorted(ENGLISH_LISTS))
def test_english_lists_and_scores_are_not_refused(tmp_path: Path, settings: Settings, kind: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(ENGLISH_LISTS[kind], "utf-8")
    arts, fails = run([str(path)], settings)
    assert not fails and len(arts) == 1  # before: the function-word share refused them as "not English"
    check_english(kind, ENGLISH_LISTS[kind].replace(".", ""))  # nor without sentence punctuation


def test_non_latin_script_is_refused(settings: Settings) -> None:
    with pytest.raises(Exception, match=r"mostly non-Latin script, detected Russian"):
        check_english("ru.txt", "Городской совет во вторник утвердил новый бюджет после долгих дебатов. " * 3)


def test_language_model_loads_once_and_offline() -> None:
    assert language_identifier() is language_identifier()
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('network disabled in this test')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "from claimwatch.ingest.decode import language_identifier\n"
        "print(language_identifier().classify('The council approved the budget after a long debate on Tuesday.')[0])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "en"


# -- 6. huge texts ---------------------------------------------------------------------------


def test_article_over_the_character_limit_is_one_line(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "long.jsonl"
    text = " ".join([STORY] * 8)
    path.write_text(json.dumps({"title": "Long", "text": text}) + "\n", "utf-8")
    _, [fail] = run([str(path)], settings.with_(max_article_chars=1000))
    assert fail.origin == f"{path}:1"
    assert fail.reason == f"article too long: {len(text):,} characters (limit 1,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)"


def test_absurd_texts_are_refused_before_cleaning(tmp_path: Path, settings: Settings) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"abc\n" * 1_000_000)  # the cleaner joins wrapped lines quadratically: minutes
    one = tmp_path / "one-line.txt"
    one.write_bytes(b"word " * 2_400_000)  # a single 12 MB line
    for path, chars in ((lines, 4_000_000), (one, 12_000_000)):
        start = time.monotonic()
        _, [fail] = run([str(path)], settings)
        assert time.monotonic() - start < 5, path.name
        assert fail.reason == f"article too long: {chars:,} characters (limit 1,000,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)"


def test_page_with_absurd_text_is_refused_before_extraction(tmp_path: Path, settings: Settings) -> None:
    page = tmp_path / "paragraphs.html"
    page.write_text("<html><body><article>" + "<p>The council met on Tuesday.</p>" * 300_000 + "</article></body></html>", "utf-8")
    start = time.monotonic()
    _, [fail] = run([str(page)], settings)  # before: trafilatura ran for more than 5 minutes on this 10 MB page
    assert time.monotonic() - start < 5
    assert (
        fail.reason == "article too long: the page holds 8,100,000 characters of text (limit 1,000,000; set CLAIMWATCH_MAX_ARTICLE_CHARS)"
    )


def test_normal_pages_are_not_slowed_by_the_page_check(tmp_path: Path, settings: Settings) -> None:
    page = tmp_path / "story.html"
    page.write_text(PAGE, "utf-8")
    [art], _ = run([str(page)], settings.with_(max_article_chars=len(PAGE) - 1))  # the page is parsed once more, and passes
    assert art.title == "Ferry terminal to close"


# -- 7. symlinks -----------------------------------------------------------------------------


def test_symlink_loops_are_reported_as_loops(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Ferry terminal to close\n\n" + STORY, "utf-8")
    os.symlink("self.txt", folder / "self.txt")
    os.symlink("b.txt", folder / "a.txt")
    os.symlink("a.txt", folder / "b.txt")
    os.symlink("missing.txt", folder / "broken.txt")
    arts, fails = run([str(folder)], settings)
    assert [a.title for a in arts] == ["Ferry terminal to close"]
    loop = "symbolic link loop (the link resolves back to itself)"
    assert {Path(f.origin).name: f.reason for f in fails} == {
        "a.txt": loop,
        "b.txt": loop,
        "self.txt": loop,
        "broken.txt": "broken symbolic link (points to missing missing.txt)",
    }
    _, [direct] = run([str(folder / "self.txt")], settings)  # before: "no such file, directory or URL"
    assert direct.reason == loop
    _, [missing] = run([str(tmp_path / "nope.txt")], settings)
    assert missing.reason == "no such file, directory or URL"
