"""Attribution extraction on spaCy's dependency parse: who says what, to whom, hedged, denied or confirmed.

Rules, in the order they are tried for each token:
1. a speech verb (lexicon.json `speech_verbs`) with its subject (active), `by` agent (passive), or
   no agent at all for hedging passives ("is said to have approved": source "", hedged);
   subjects are found through xcomp/conj/advcl chains ("went on to say", "named X and said");
   "cite" takes its object as the source ("citing sources in Tehran");
   "X quotes Y as saying" gives Y as the source of "saying";
2. "according to X" (X, or the `by` agent of a report/statement noun: "a report by BBC Persian");
3. verb + noun cues ("echoed the denial", "issued a statement", "made clear").
Phrasal cues count with their particle only ("ruled out", "brushed off", "called for"); "X is said to
have denied" gives X as the source of "denied", hedged.
Content is the verb's clausal complement or object, or, for "..., he said" inversions, the rest
of the sentence; a cue with no content is no attribution.
Sources are cleaned (no dateline, no leading date, nothing across a line break) and must be agents:
a person, group, organisation, outlet or document, not a bare place named elsewhere than as the
subject, a date, a number or another common noun ("the ceasefire", "both").
Pronouns ("he", "it", "they") and role nouns ("the minister", "the company", "the company's founder")
are resolved to the nearest earlier compatible named source or entity (`resolved_from` keeps the mention).
Lines without final punctuation (headlines, captions) are sentences of their own (`mark_line_starts`).
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
    """Token range of the noun phrase headed by `head`, without relative clauses or trailing punctuation.
    A role with a name in apposition gives the name ("The former head of the agency, General Tom Hale")."""
    if head.pos_ != "PROPN" and head.ent_type_ != "PERSON":
        for child in head.children:
            if child.dep_ == "appos" and child.i > head.i and (child.pos_ == "PROPN" or child.ent_type_ == "PERSON"):
                return _source_span(child)
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
    # never across a line break: a headline or caption above is no part of the source
    for i in range(head.i - 1, start - 1, -1):
        if "\n" in doc[i].text_with_ws:
            start = i + 1
            break
    for i in range(head.i, end):
        if "\n" in doc[i].text_with_ws:
            end = i
            break
    start = _strip_dateline(doc, start, head.i)
    while end > start and (doc[end].is_punct and doc[end].text not in "'’)" or doc[end].is_space):
        end -= 1
    while start < end and (doc[start].is_punct and doc[start].text not in QUOTES or doc[start].is_space):
        start += 1
    return start, end + 1


_DASHES = {"—", "–", "--", "-", "―"}
_DATE_WORDS = {"on", "in", "at", "by", "since", "earlier", "later", "last", "this", "early", "late", "until", "after", "before", "during"}


def _strip_dateline(doc: Doc, start: int, head: int) -> int:
    """Skip a dateline ("MANAGUA, Nicaragua —", "(Reuters) -") or a leading date ("June,", "On Sunday,")."""
    for i in range(start, head):
        spaced = i > 0 and (bool(doc[i - 1].whitespace_) or doc[i].text != "-")
        if (
            doc[i].text in _DASHES
            and spaced
            and all(
                t.is_punct or t.is_space or t.is_upper or t.ent_type_ in ("GPE", "DATE", "ORG", "LOC") or t.is_title or t.like_num
                for t in doc[start:i]
            )
        ):
            start = i + 1
    for i in range(start, head):
        if doc[i].text == "," and all(t.ent_type_ in ("DATE", "TIME") or t.lower_ in _DATE_WORDS for t in doc[start:i]) and i > start:
            start = i + 1
            break
    return start


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


_OBJECT_CONTENT = {"confirm", "deny", "reject", "dismiss", "refute", "dispute", "retract", "disavow", "accuse", "condemn", "criticize"}


def _content_span(verb: Token, sent: Span, exclude: list[tuple[int, int]]) -> tuple[int, int]:
    """What is attributed: the clausal complement/object of the cue, else the rest of the sentence."""
    lemma = verb.lemma_.lower()
    phrasal = lexicon().phrasal.get(lemma)
    for child in verb.children:
        if child.dep_ in ("ccomp", "xcomp") or (
            child.dep_ == "dobj" and (lemma in _OBJECT_CONTENT or lemma in lexicon().content_required or phrasal is not None)
        ):
            sub = list(child.subtree)
            end = sub[-1].i + 1
            if lemma == "accuse":  # "accused X of Y": X and the charge
                end = max([end] + [c.right_edge.i + 1 for c in verb.children if c.dep_ == "prep" and c.lower_ == "of"])
            return sub[0].i, end
    if phrasal is not None:  # "called for calm": the object of the preposition
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in phrasal:
                pobj = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
                if pobj:
                    return pobj[0].left_edge.i, pobj[0].right_edge.i + 1
    if verb.dep_ == "xcomp":  # "went on to say: ...": the clause hangs off the raising verb
        for child in verb.head.children:
            if child.dep_ == "ccomp" and child.i > verb.i:
                return child.left_edge.i, child.right_edge.i + 1
    # Inversion ("'...,' he said") or a cue attached to the reported clause: the rest of the sentence.
    if verb.dep_ in ("parataxis", "ccomp", "conj", "advcl") or verb.dep_ == "ROOT":
        start, end = sent.start, sent.end
        cue_tokens = {t.i for t in verb.subtree} if verb.dep_ != "ROOT" else {verb.i}
        for child in verb.children:  # the cue's own modifiers are no content ("tweeted on Monday")
            if (
                child.dep_ in ("prep", "npadvmod", "advmod")
                and child.i > verb.i
                and not any(t.pos_ in ("VERB", "AUX") or t.text in QUOTES for t in child.subtree)
            ):
                cue_tokens.update(t.i for t in child.subtree)
        for a, b in exclude:
            cue_tokens.update(range(a, b))
        remaining = [i for i in range(start, end) if i not in cue_tokens and not verb.doc[i].is_space]
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


def _particle(tok: Token, lex: Lexicon) -> Token | None:
    """The particle or preposition that makes a phrasal cue ("ruled out", "brushed off", "called for")."""
    wanted = lex.phrasal.get(tok.lemma_.lower())
    if not wanted:
        return None
    return next((c for c in tok.children if c.dep_ in ("prt", "prep") and c.lower_ in wanted and 0 < c.i - tok.i <= 3), None)


def _cue_span(tok: Token, lex: Lexicon) -> tuple[int, int]:
    prt = _particle(tok, lex)
    if prt is not None and prt.i == tok.i + 1:
        return tok.i, prt.i + 1
    return tok.i, tok.i + 1


_PHRASAL_ONLY = {"brush", "wave", "laugh", "knock"}


def _speech_verb(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    lemma = tok.lemma_.lower()
    if tok.pos_ not in ("VERB", "AUX") or lemma not in lex.speech:
        return None
    if lemma in _PHRASAL_ONLY and _particle(tok, lex) is None:
        return None  # "waved at the crowd": no statement
    if lemma == "call" and _particle(tok, lex) is not None and not any(c.dep_ in ("dobj", "oprd") for c in tok.children):
        speaker = _find_subject(tok) or _preceding_noun(tok)
        if speaker is None or speaker.lower_ in ("which", "that", "what", "who"):
            return None
        source = _source_span(speaker)
        return _Found(source, _cue_span(tok, lex), tok, _content_span(tok, sent, [source]), _channel(tok))
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
            said_to = next((c for c in tok.children if c.dep_ == "xcomp" and c.lemma_.lower() in lex.speech and c.pos_ == "VERB"), None)
            speaker = next((c for c in tok.children if c.dep_ == "nsubjpass" and c.pos_ in ("NOUN", "PROPN")), None)
            if lemma in lex.passive_hedge and said_to is not None and speaker is not None:
                # "an official is said to have denied the plans": the official denied, hedged
                source = _source_span(speaker)
                content = _content_span(said_to, sent, [source])
                return _Found(source, _cue_span(said_to, lex), said_to, content, _channel(said_to), passive_hedge=True)
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
    return _Found(source, _cue_span(tok, lex), tok, content, _channel(tok))


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


_NON_AGENTS = {
    "both",
    "all",
    "each",
    "either",
    "neither",
    "this",
    "that",
    "these",
    "those",
    "none",
    "nothing",
    "something",
    "everything",
    "anything",
    "there",
    "what",
    "which",
    "such",
    "one",
    "much",
}
_PARTITIVES = {
    "one",
    "some",
    "many",
    "several",
    "most",
    "few",
    "couple",
    "handful",
    "number",
    "dozens",
    "hundreds",
    "none",
    "each",
    "all",
    "both",
}
# common nouns for people by their ending ("commenter", "columnist", "spokesman"); abstract nouns never end so
_PERSON_SUFFIX = re.compile(
    r"(?<!ing)(er|ers|or|ors|ist|ists|ian|ians|ant|ants|man|men|woman|women|person|people|eer|eers|ee|ees|ive|ives|ary)$"
)
_NUMERIC_ENTS = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
_PLACE_ENTS = {"GPE", "LOC", "FAC"}
_FIRST_PERSON = {"i", "we", "me", "us"}


def _source_head(doc: Doc, span: tuple[int, int]) -> Token:
    return doc[span[0] : span[1]].root


def _is_agent(doc: Doc, span: tuple[int, int], found: _Found, lex: Lexicon) -> bool:
    """Can this span say something? People, groups, organisations, outlets and documents can;
    a bare place that is not the cue's own subject, a date, a number or another common noun cannot."""
    if span[0] >= span[1]:
        return False
    head = _source_head(doc, span)
    low = head.lower_
    if head.is_upper and len(head) > 2 and head.i + 1 < len(doc) and doc[head.i + 1].text == "," and head.i == head.sent.start:
        return False  # a dateline ("PERTH, Australia --") taken for the subject
    if low in _PARTITIVES:  # "one of the men", "several of the affected users": the people after "of"
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if pobj is not None:
            head, low = pobj, pobj.lower_
    if head.pos_ == "PRON" or low in lex.pronouns:
        return low not in _NON_AGENTS
    mixed_case = any(c.isupper() for c in head.text[1:]) and any(c.islower() for c in head.text)
    if low in _NON_AGENTS or (head.ent_type_ in _NUMERIC_ENTS and head.pos_ != "PROPN" and not mixed_case) or head.like_num:
        return False
    words = [t for t in doc[span[0] : span[1]] if not t.is_punct]
    if head.ent_type_ in _PLACE_ENTS and all(t.ent_type_ in _PLACE_ENTS for t in words):
        # "Israel rejected ...", "Washington calls ...": a country or capital as the speaker, never a dateline
        # ("PERTH"), the place of another phrase, or a place picked up as the noun before the cue
        own_subject = head.head == found.cue_token and head.dep_ in ("nsubj", "nsubjpass") or found.cue_token.lower_ == "according"
        after = doc[span[1]] if span[1] < len(doc) else None
        dateline = head.is_upper and after is not None and (after.text in _DASHES or after.text == ",")
        return head.ent_type_ == "GPE" and own_subject and not dateline
    if head.pos_ == "PROPN" or head.ent_type_ in ("PERSON", "ORG", "NORP", "GPE", "WORK_OF_ART", "PRODUCT", "EVENT", "LAW"):
        return True
    if head.lemma_.lower() in lex.agent_nouns or low in lex.agent_nouns:
        return True
    if head.pos_ == "NOUN" and _PERSON_SUFFIX.search(low):
        return True
    # a name the tagger took for a common noun or a number: "Proceso", "iGen.fr", "inserbia.info"
    return head.pos_ not in ("DET", "ADV", "VERB", "AUX", "PRON") and (
        (head.text[:1].isupper() and head.i > head.sent.start)
        or any(c.isupper() for c in head.text[1:])
        or bool(re.search(r"\w\.(com|org|net|info|fr|de|co|uk|ru|it|es|tv|io)\b", head.lower_))
    )


def mark_line_starts(doc: Doc) -> Doc:
    """A line that ends without a continuing comma, colon or dash (a headline, a caption, "Vote Now")
    ends its sentence: the next line starts one. Set before parsing; the parser keeps preset boundaries."""
    previous: Token | None = None
    broken = False
    for tok in doc:
        if tok.is_space:
            broken = broken or "\n" in tok.text
            continue
        if (
            broken
            and previous is not None
            and previous.text not in (",", ";", ":", "(", "/", "&", "-", "–", "—")
            and previous.lower_ not in ("and", "or", "but", "of", "the", "a", "to", "by")
            and (tok.text[:1].isupper() or tok.text[:1].isdigit() or tok.text[:1] in "\"“‘'«(")
        ):
            tok.is_sent_start = True
        broken = "\n" in tok.whitespace_
        previous = tok
    return doc


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
            if found.source is not None and not _is_agent(doc, found.source, found, lex):
                continue  # "The ceasefire held, both noted": no speaker
            c_start, c_end = _trim(doc, *found.content)
            if c_start >= c_end or not any(t.is_alpha or t.like_num for t in doc[c_start:c_end]):
                continue  # a cue with no content is no attribution ("the priest described")
            taken.add(found.cue_token.i)
            src_start, src_end, source = _char(doc, found.source)
            cue_start, cue_end, cue = _char(doc, found.cue)
            con_start, con_end, content = _char(doc, (c_start, c_end))
            ch = _char(doc, found.channel)
            lemma = found.cue_token.lemma_.lower()
            phrasal = cue.lower().split()
            phrasal_key = f"{lemma} {phrasal[-1]}" if len(phrasal) > 1 else ""
            # hedges in the speaker's own quoted words ("unverified and ridiculous") do not hedge the report
            sent_text = "".join(" " if quoted[sent.start_char + i] else ch_ for i, ch_ in enumerate(sent.text))
            hedged = found.passive_hedge or bool(lex.hedge_markers.search(sent_text))
            denial = (
                lemma in lex.denial
                or phrasal_key in lex.denial_phrasal
                or (lemma == "echo" and "denial" in cue.lower())
                or bool(lex.falsity.search(content))
                or (lemma in lex.rebuttal_cues and bool(lex.rebuttal_markers.search(content)))
            )
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
    return _resolve_sources(doc, out, lex)


_ANONYMOUS_ROLES = {
    "source",
    "insider",
    "official",
    "witness",
    "resident",
    "man",
    "woman",
    "friend",
    "employee",
    "worker",
    "user",
    "expert",
    "analyst",
}
_ORG_ROLES = {
    "company",
    "firm",
    "ministry",
    "department",
    "agency",
    "hospital",
    "university",
    "embassy",
    "council",
    "commission",
    "committee",
    "court",
}
_ROLE_VERBS = {"founder": "found", "co-founder": "found", "owner": "own", "creator": "create", "author": "write", "leader": "lead"}


def _is_person_like(span: Span, lex: Lexicon) -> bool:
    root = span.root
    return (
        root.ent_type_ == "PERSON"
        or root.lemma_.lower() in lex.person_nouns
        or (root.pos_ == "PROPN" and root.ent_type_ not in ("ORG", "GPE", "NORP"))
    )


def _is_org_like(span: Span, lex: Lexicon) -> bool:
    root = span.root
    return root.ent_type_ in ("ORG", "NORP", "GPE") or root.lemma_.lower() in lex.org_nouns


_TITLE_WORDS = {"prime", "vice", "deputy", "foreign", "interior", "defence", "defense", "health", "finance", "state", "general", "chief"}


def _named(span: Span) -> bool:
    """Does the span name someone ("Minister Tom Hale"), beyond a title ("the Prime Minister")?"""
    return any(
        t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP")
        or t.pos_ == "PROPN"
        and t.lower_ not in _TITLE_WORDS
        and t.lemma_.lower() not in lexicon().person_nouns
        for t in span
    )


def _role_referent(doc: Doc, span: Span, lex: Lexicon) -> str | None:
    """'the minister' -> the earlier 'Interior Minister Nohad Machnouk'; 'the company' -> the earlier company;
    'the company's founder' -> the person who founded something earlier ('Jane Roe founded ...')."""
    root = span.root
    role = root.lemma_.lower()
    if _named(span) or span[0].lower_ not in ("the", "its", "their") and not any(t.dep_ == "poss" for t in root.children):
        return None
    if role not in lex.person_nouns and role not in lex.org_nouns and role not in _ROLE_VERBS:
        return None
    before = doc[: span.start]
    best: Span | None = None
    if role in lex.person_nouns and role not in _ANONYMOUS_ROLES:
        # 1. a name with that title: "Prime Minister Narendra Modi", "Tom Hale, the agency's founder"
        for ent in before.ents:
            if ent.label_ != "PERSON":
                continue
            title = [t for t in doc[max(ent.start - 3, 0) : ent.start] if t.dep_ == "compound" and t.head.i in range(ent.start, ent.end)]
            appos = [c for c in ent.root.children if c.dep_ == "appos"] + ([ent.root.head] if ent.root.dep_ == "appos" else [])
            if any(t.lemma_.lower() == role for t in title) or any(t.lemma_.lower() == role for a in appos for t in a.subtree):
                best = ent
    if best is None and role in _ROLE_VERBS:  # 2. "Jane Roe founded the firm" ... "the company's founder"
        for tok in before:
            if tok.lemma_.lower() == _ROLE_VERBS[role] and tok.pos_ == "VERB":
                subj = next((c for c in tok.children if c.dep_ == "nsubj" and c.ent_type_ == "PERSON"), None)
                if subj is not None:
                    best = next(e for e in doc.ents if e.start <= subj.i < e.end)
    if best is None and role in _ORG_ROLES:  # 3. "the ministry": the organisation named with that word before
        named = [e for e in before.ents if e.label_ == "ORG" and any(t.lemma_.lower() == role for t in e)]
        if not named and role in ("company", "firm"):  # the organisation that last did something as a subject
            named = [e for e in before.ents if e.label_ == "ORG" and e.root.dep_ in ("nsubj", "nsubjpass")]
        best = named[-1] if named else None
    if best is None:
        return None
    if best.label_ == "PERSON":  # keep the title in front of the name: "Interior Minister Nohad Machnouk"
        start = best.start
        while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i in range(best.start, best.end):
            start -= 1
        return doc[start : best.end].text
    return best.text


def _resolve_sources(doc: Doc, attributions: list[Attribution], lex: Lexicon) -> list[Attribution]:
    """'he said' -> the nearest earlier person source (or PERSON entity); 'it said' -> the nearest earlier
    organisation; 'they' -> the nearest earlier plural source; role nouns -> the earlier named mention.
    First-person and unresolvable 'it' sources are dropped: they are quotation leftovers, not speakers."""
    previous: list[tuple[int, str, bool, bool, bool]] = []  # (char offset, text, plural, person, organisation)
    people = [(e.start_char, e.text) for e in doc.ents if e.label_ == "PERSON"]
    kept: list[Attribution] = []
    for a in attributions:
        low = a.source.lower()
        span = doc.char_span(a.source_start, a.source_end, alignment_mode="expand") if a.source else None
        if low in lex.pronouns or low in _FIRST_PERSON:
            if low in _FIRST_PERSON:
                continue
            candidates: list[tuple[int, str]]
            if low == "it":
                candidates = [(pos, text) for pos, text, plural, person, org in previous if org and not plural and pos < a.source_start]
                if not candidates:
                    candidates = [(e.start_char, e.text) for e in doc.ents if e.label_ == "ORG" and e.end_char <= a.source_start]
            elif low in ("they", "them"):
                candidates = [(pos, text) for pos, text, plural, _, _ in previous if plural and pos < a.source_start]
            else:
                candidates = [(pos, text) for pos, text, plural, person, _ in previous if person and not plural and pos < a.source_start]
                if not candidates:  # no earlier speaker: the nearest person named before
                    candidates = [(pos, text) for pos, text in people if pos < a.source_start]
            if candidates:
                _, text = max(candidates)
                a.resolved_from, a.source = a.source, text
            elif low == "it":
                continue
        elif span is not None:
            referent = _role_referent(doc, span, lex)
            if referent is not None and referent.lower() != low:
                a.resolved_from, a.source = a.source, referent
            plural = span.root.tag_ in ("NNS", "NNPS") or " and " in a.source
            previous.append((a.source_start, a.source, plural, _is_person_like(span, lex), _is_org_like(span, lex)))
        kept.append(a)
    return kept
