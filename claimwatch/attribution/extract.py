"""Attribution extraction on spaCy's dependency parse: who says what, to whom, hedged, denied or confirmed.

Rules, in the order they are tried for each token:
1. a speech verb (lexicon.json `speech_verbs`) with its subject (active), `by` agent (passive), or
   no agent at all for hedging passives ("is said to have approved": source "", hedged);
   subjects are found through xcomp/conj/advcl chains ("went on to say", "named X and said");
   "cite" takes its object as the source ("citing sources in Tehran");
   "X quotes Y as saying" gives Y as the source of "saying";
2. "according to X" (X, or the `by` agent of a report/statement noun: "a report by BBC Persian");
3. verb + noun cues ("echoed the denial", "issued a statement", "made clear").
Content is the verb's clausal complement or object, or, for "..., he said" inversions, the rest
of the sentence. Pronoun sources are resolved to the nearest earlier compatible source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from claimwatch.attribution.lexicon import Lexicon, lexicon
from claimwatch.records import Attribution

QUOTES = '"“”«»'
_OPEN_QUOTES = "\"“«‘'"


_SUBJ = ("nsubj", "nsubjpass", "csubj")
_CUT_DEPS = {"relcl", "acl", "advcl", "punct", "cc"}


def _source_span(head: Token) -> tuple[int, int]:
    """Token range of the noun phrase headed by `head`, without relative clauses or trailing punctuation."""
    tokens = [head]
    stack = [c for c in head.children]
    while stack:
        t = stack.pop()
        if t.head == head and (t.dep_ in {"relcl", "acl"} or (t.dep_ == "punct" and t.i > head.i and t.text not in QUOTES)):
            # an appositive after a comma stays ("Christy Feig, WHO's director"); clauses go
            continue
        tokens.append(t)
        stack.extend(t.children)
    idx = sorted(t.i for t in tokens)
    # keep a contiguous run around the head: a cut clause must not leave a gap inside the span
    start = end = head.i
    present = set(idx)
    while start - 1 in present:
        start -= 1
    while end + 1 in present:
        end += 1
    doc = head.doc
    while end > start and (doc[end].is_punct and doc[end].text not in "'’)"):
        end -= 1
    while start < end and doc[start].is_punct and doc[start].text not in QUOTES:
        start += 1
    return start, end + 1


def _find_subject(verb: Token) -> Token | None:
    """The subject of a verb, climbing xcomp/conj/advcl/pcomp chains ("went on to say", "named X and said")."""
    current: Token = verb
    for _ in range(4):
        at = current.i
        subjects = [c for c in current.children if c.dep_ in ("nsubj", "csubj")]
        if subjects:
            return min(subjects, key=lambda c: abs(c.i - at))  # the parser may attach stray tokens as subjects
        if current.dep_ in ("xcomp", "conj", "advcl") and current.head != current:
            current = current.head
        else:
            return None
    return None


def _agent(verb: Token) -> Token | None:
    """The `by` agent of a passive verb ("we're told by several insiders")."""
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    return None


def _content_span(verb: Token, sent: Span, exclude: list[tuple[int, int]]) -> tuple[int, int]:
    """What is attributed: the clausal complement/object of the cue, else the rest of the sentence."""
    for child in verb.children:
        if child.dep_ in ("ccomp", "xcomp") or (
            child.dep_ == "dobj" and verb.lemma_ in {"confirm", "deny", "reject", "dismiss", "refute", "dispute"}
        ):
            sub = list(child.subtree)
            return sub[0].i, sub[-1].i + 1
    # Inversion ("'...,' he said") or a cue attached to the reported clause: the rest of the sentence.
    if verb.dep_ in ("parataxis", "ccomp", "conj", "advcl") or verb.dep_ == "ROOT":
        start, end = sent.start, sent.end
        cue_tokens = {t.i for t in verb.subtree} if verb.dep_ != "ROOT" else {verb.i}
        for a, b in exclude:
            cue_tokens.update(range(a, b))
        remaining = [i for i in range(start, end) if i not in cue_tokens]
        if verb.dep_ == "ROOT":
            remaining = [i for i in remaining if i > max(cue_tokens)] or remaining
        if remaining:
            return remaining[0], remaining[-1] + 1
    return verb.i + 1, verb.i + 1


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading/trailing punctuation (but keep quotes) and a complementiser ('that', 'if')."""
    while start < end and (doc[start].is_punct and doc[start].text not in _OPEN_QUOTES or doc[start].dep_ == "mark"):
        start += 1
    while end > start and doc[end - 1].is_punct and doc[end - 1].text not in QUOTES + "’'":
        end -= 1
    return start, end


def _kind(text: str) -> str:
    """direct: the content is a quotation; mixed: partly quoted; indirect: no quotation marks."""
    stripped = text.strip()
    quote_chars = sum(stripped.count(q) for q in '"“”')
    if quote_chars == 0:
        singles = len(re.findall(r"(?:^|\s)[‘'](?=\w)|(?<=[\w.,!?])[’'](?=\s|$|[.,])", stripped))
        if singles < 2:
            return "indirect"
        quote_chars = singles
    if stripped[:1] in "\"“‘'" and stripped.rstrip(".,")[-1:] in "\"”’'":
        return "direct"
    return "mixed"


def _channel(verb: Token) -> tuple[int, int] | None:
    """To whom it was said: "told Reuters", "denied ... to The New York Times' correspondent", "in an interview"."""
    for child in verb.children:
        if (
            verb.lemma_ == "tell"
            and child.dep_ in ("dobj", "dative")
            and child.pos_ in ("PROPN", "NOUN", "PRON")
            and not any(c.dep_ == "ccomp" for c in child.children)
        ):
            return _source_span(child)
        if child.dep_ == "prep" and child.lower_ in ("to", "in"):
            for pobj in child.children:
                if pobj.dep_ == "pobj" and (
                    child.lower_ == "to"
                    and (
                        pobj.ent_type_ in ("ORG", "PERSON", "NORP", "GPE") or pobj.lemma_ in lexicon().person_nouns or pobj.pos_ == "PROPN"
                    )
                    or child.lower_ == "in"
                    and pobj.lemma_ in ("interview", "statement", "email", "tweet", "post", "letter")
                ):
                    return _source_span(pobj) if child.lower_ == "to" else (pobj.left_edge.i, pobj.right_edge.i + 1)
    return None


@dataclass
class _Found:
    source: tuple[int, int] | None
    cue: tuple[int, int]
    cue_token: Token
    content: tuple[int, int]
    channel: tuple[int, int] | None
    passive_hedge: bool = False


def _speech_verb(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    lemma = tok.lemma_.lower()
    if tok.pos_ not in ("VERB", "AUX") or lemma not in lex.speech:
        return None
    if tok.text[0].isupper() and tok.i > sent.start and tok.nbor(-1).pos_ == "PROPN":
        return None  # a name ("Brigadier General Said Al-Saudi"), not the verb
    own_subject = any(c.dep_ in _SUBJ for c in tok.children)
    if tok.dep_ == "acl" or (tok.dep_ == "advcl" and not own_subject and lemma not in lex.participial):
        return None  # "a district called X", "most recently reporting the dimensions"
    has_clause = any(c.dep_ in ("ccomp", "xcomp", "parataxis") for c in tok.children) or _in_inversion(tok)
    if any(c.dep_ == "neg" for c in tok.children) and not has_clause:
        return None  # "is not commenting", "did not dismiss concerns"
    if tok.dep_ == "xcomp" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children) and tok.head.lemma_ not in lex.raising:
        return None  # "declined to comment", "working to confirm reports"
    if lemma == "add" and not has_clause:
        return None  # "added some details": no statement
    if lemma == "cite":  # "citing sources in Tehran": the cited are the source
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is None:
            return None
        return _Found(
            _source_span(obj), (tok.i, tok.i + 1), tok, _content_span(tok.head, sent, [(tok.left_edge.i, tok.right_edge.i + 1)]), None
        )
    is_passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children)
    subject: Token | None
    if is_passive:
        subject = _agent(tok)
        if subject is None:
            if lemma in lex.passive_hedge and any(c.dep_ in ("xcomp", "ccomp") for c in tok.children):
                aux = [c.i for c in tok.children if c.dep_ == "auxpass"]
                start = min(aux + [tok.i])
                return _Found(None, (start, tok.i + 1), tok, (sent.start, sent.end), None, passive_hedge=True)
            if lemma in lex.passive_hedge and any(c.lower_ == "it" and c.dep_ == "nsubjpass" for c in tok.children):
                return _Found(None, (tok.i, tok.i + 1), tok, _content_span(tok, sent, []), None, passive_hedge=True)
            return None
    elif tok.dep_ == "pcomp" and tok.head.lower_ == "as" and tok.head.head.lemma_ == "quote":
        subject = next((c for c in tok.head.head.children if c.dep_ == "dobj"), None)  # "quotes X as saying"
    elif tok.dep_ == "relcl" and tok.head.pos_ in ("NOUN", "PROPN"):
        subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if subject is not None and subject.lower_ in ("who", "that", "which"):
            subject = tok.head  # "a man who says ..."
    else:
        subject = _find_subject(tok) or _preceding_noun(tok)
    if subject is None or subject.lower_ in ("which", "that", "what", "who"):
        return None
    if (
        lemma in lex.content_required
        and not any(c.dep_ in ("ccomp", "dobj", "xcomp", "oprd") for c in tok.children)
        and tok.dep_ not in ("parataxis",)
    ):
        return None
    source = _source_span(subject)
    exclude = [source]
    content = _content_span(tok, sent, exclude)
    return _Found(source, (tok.i, tok.i + 1), tok, content, _channel(tok))


def _in_inversion(verb: Token) -> bool:
    """'"...," he said': the cue clause hangs off the quoted clause or closes the sentence."""
    return verb.dep_ in ("parataxis",) or (verb.dep_ == "ROOT" and any(c.dep_ == "ccomp" and c.i < verb.i for c in verb.children))


def _preceding_noun(verb: Token) -> Token | None:
    """Subject the parser missed in '..., a source close to KCTV5 News says.': the noun phrase just before the verb."""
    if verb.i == 0:
        return None
    tok = verb.doc[verb.i - 1]
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    while tok.dep_ in ("pobj", "prep", "compound", "amod") and tok.head.i < verb.i and tok.head != tok:
        tok = tok.head
    return tok if tok.pos_ in ("NOUN", "PROPN") else None


def _according_to(tok: Token, sent: Span) -> _Found | None:
    if tok.lower_ != "according":
        return None
    to = next((c for c in tok.children if c.lower_ == "to"), None)
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if pobj is None:
        return None
    source_tok = pobj
    if pobj.lemma_ in ("report", "statement", "story", "article", "survey", "study", "analysis"):
        by = next((c for c in pobj.children if c.lower_ == "by"), None)
        agent = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
        source_tok = agent or pobj
    phrase = (tok.i, (to.right_edge.i if to is not None else tok.i) + 1)
    source = _source_span(source_tok)
    remaining = [i for i in range(sent.start, sent.end) if not phrase[0] <= i < phrase[1]]
    # drop a trailing participial "citing ..." clause from the content: it is a separate attribution
    citing = [t for t in sent if t.lemma_ == "cite" and t.dep_ == "advcl"]
    if citing:
        remaining = [i for i in remaining if i < citing[0].left_edge.i]
    content = (remaining[0], remaining[-1] + 1) if remaining else phrase
    return _Found(source, (tok.i, tok.i + 2), tok, content, None)


def _noun_cue(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    nouns = lex.noun_cues.get(tok.lemma_.lower())
    if not nouns or tok.pos_ != "VERB":
        return None
    obj = next((c for c in tok.children if c.dep_ in ("dobj", "ccomp", "oprd", "acomp") and c.lemma_.lower() in nouns), None)
    subject = _find_subject(tok)
    if obj is None or subject is None or subject.lower_ in ("which", "that", "what", "who"):
        return None
    source = _source_span(subject)
    cue = (min(tok.i, obj.i), max(tok.i, obj.i) + 1)
    content = _content_span(tok, sent, [source, cue])
    if tok.lemma_ == "make":
        content = next(((c.left_edge.i, c.right_edge.i + 1) for c in obj.children if c.dep_ == "ccomp"), content)
    return _Found(source, cue, tok, content, _channel(tok))


_OPENERS = {"“": "”", "«": "»"}


def quoted_mask(text: str) -> list[bool]:
    """Per character: inside a double-quoted passage? Curly quotes pair up; straight quotes toggle.
    A quote left open at a paragraph end closes there (news style re-opens quotes per paragraph)."""
    mask = [False] * (len(text) + 1)
    inside = False
    for i, ch in enumerate(text):
        if ch == "“" or (ch == '"' and not inside):
            inside = True
        elif ch in "”»" or (ch == '"' and inside) or ch == "\n" and i + 1 < len(text) and text[i + 1] == "\n":
            inside = False
        else:
            mask[i] = inside
    return mask


def _char(doc: Doc, span: tuple[int, int] | None) -> tuple[int, int, str]:
    if span is None or span[0] >= span[1]:
        return -1, -1, ""
    s = doc[span[0] : span[1]]
    return s.start_char, s.end_char, s.text


def extract_attributions(doc: Doc) -> list[Attribution]:
    """All attributions in a parsed document, in text order, with pronoun sources resolved."""
    lex = lexicon()
    out: list[Attribution] = []
    sentences = list(doc.sents)
    quoted = quoted_mask(doc.text)
    for s_index, sent in enumerate(sentences):
        taken: set[int] = set()
        for tok in sent:
            if quoted[tok.idx]:
                continue  # speech reported inside a quotation belongs to the quoted speaker's statement
            found = _according_to(tok, sent) or _noun_cue(tok, sent, lex) or _speech_verb(tok, sent, lex)
            if found is None or found.cue_token.i in taken:
                continue
            taken.add(found.cue_token.i)
            c_start, c_end = _trim(doc, *found.content)
            src_start, src_end, source = _char(doc, found.source)
            cue_start, cue_end, cue = _char(doc, found.cue)
            con_start, con_end, content = _char(doc, (c_start, c_end))
            ch = _char(doc, found.channel)
            lemma = found.cue_token.lemma_.lower()
            sent_text = sent.text
            hedged = found.passive_hedge or bool(lex.hedge_markers.search(sent_text))
            denial = lemma in lex.denial or (lemma == "echo" and "denial" in cue.lower()) or bool(lex.falsity.search(content))
            confirmation = lemma in lex.confirmation or bool(re.search(r"\b(we|i) (have |can )?confirm", content, re.IGNORECASE))
            kind = _kind(content)
            if kind == "indirect" and con_start >= 0 and quoted[con_start]:
                kind = "direct"  # the quote marks sit outside the parsed clause
            out.append(
                Attribution(
                    source=source,
                    cue=cue,
                    content=content,
                    kind=kind,  # type: ignore[arg-type]
                    hedged=hedged,
                    denial=denial,
                    confirmation=confirmation,
                    channel=ch[2] or None,
                    source_start=src_start,
                    source_end=src_end,
                    cue_start=cue_start,
                    cue_end=cue_end,
                    content_start=con_start,
                    content_end=con_end,
                    sentence_index=s_index,
                )
            )
    _resolve_pronouns(doc, out, lex)
    return out


def _resolve_pronouns(doc: Doc, attributions: list[Attribution], lex: Lexicon) -> None:
    """'he said' -> the nearest earlier source (or PERSON entity) that can be a he/she/they."""
    previous: list[tuple[int, str, bool]] = []  # (char offset, text, plural)
    people = [(e.start_char, e.text) for e in doc.ents if e.label_ == "PERSON"]
    for a in attributions:
        low = a.source.lower()
        if low in lex.pronouns and low not in ("it", "we", "i"):
            want_plural = low in ("they", "them")
            candidates = [(pos, text) for pos, text, plural in previous if plural == want_plural and pos < a.source_start]
            if not candidates and not want_plural:  # no earlier speaker: the nearest person named before
                candidates = [(pos, text) for pos, text in people if pos < a.source_start]
            if candidates:
                _, text = max(candidates)
                a.resolved_from, a.source = a.source, text
        elif a.source:
            head = doc.char_span(a.source_start, a.source_end, alignment_mode="expand")
            plural = bool(head is not None and head.root.tag_ in ("NNS", "NNPS"))
            previous.append((a.source_start, a.source, plural))
