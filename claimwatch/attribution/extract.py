"""Attribution extraction on spaCy's dependency parse: who says what, to whom, hedged, denied or confirmed.

Rules, in the order they are tried for each token:
1. a speech verb (lexicon.json `speech_verbs`) with its subject (active), `by` agent (passive, also
   "as reported by X" and a "by" the parser hung on a modifier), or no agent at all for hedging passives
   ("is said to have approved", "is rumored to": source "", hedged);
   subjects are found through xcomp/conj/advcl chains ("went on to say", "named X and said"); a speech verb
   coordinated with a verb of a reported clause, and a participle hung on one ("X says the rumor is false,
   saying ..."), take the subject of the reporting verb;
   participles that report a clause ("emphasizing that", "a blog claiming that", "calling X a liar") count,
   evidential ones ("suggesting that") and questions ("asked if he would deny") do not; a negated
   confirmation or denial ("could not confirm") is no statement;
   "cite" takes its object as the source ("citing sources in Tehran");
   "X quotes Y as saying" gives Y as the source of "saying";
   a title-case headline verb the tagger read as a name ("Perry Warns ...") counts;
2. "according to X" and "per X" (X, or the `by` agent of a report/statement noun: "a report by BBC Persian");
3. verb + noun cues ("echoed the denial", "issued a statement", "released a statement", "made clear").
Denials: a denial verb or phrasal cue, a falsity marker in the content ("not true", "isn’t true", "called
the reports baseless", "dismissed them as propaganda"), a rebuttal cue with a legal/innocent marker or a
negated clause ("insisted the woman was not married to him"), or a negated clause that contradicts what an
earlier attribution or report said, about the same subject ("was not captured" after "reported that she was
captured"); intentions ("would not launch") and dummy subjects ("it's not about the money") are no denial.
Phrasal cues count with their particle only ("ruled out", "brushed off", "called for"); "X is said to
have denied" gives X as the source of "denied", hedged.
Content is the verb's clausal complement or object (with what it is called: "called the reports
baseless"), a quotation after a colon, or, for "..., he said" inversions, the rest of the sentence and
the quotation's earlier sentences ('"A. B," he said'); a cue with no content is no attribution.
Sources are cleaned (no dateline, no leading date, nothing across a line break) and must be agents:
a person, group, organisation, outlet or document, not a bare place named elsewhere than as the
subject, a date, a number or another common noun ("the ceasefire", "both").
Pronouns ("he", "it", "they") and role nouns ("the minister", "the company", "the company's founder")
are resolved to the nearest earlier compatible named source or entity (`resolved_from` keeps the mention);
"he"/"she" agree in gender with what they resolved to before or a title ("Mr", "spokeswoman"), and the
person who is the subject of the sentence just before is preferred over an older speaker.
A name with a role set off by commas keeps the name as the source and the role as `source_role`
("The former head of the agency, General Tom Hale, said" -> General Tom Hale, "The former head of the agency").
Lines without final punctuation (headlines, captions) are sentences of their own (`mark_line_starts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

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
            if (
                child.dep_ == "appos"
                and child.i > head.i
                and (child.pos_ == "PROPN" or child.ent_type_ == "PERSON")
                and head.doc[child.left_edge.i - 1].text == ","
            ):
                return _source_span(child)  # set off by a comma; "the newspaper As-Safir" stays whole
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
    # never across a closing quotation mark: '"... Kim Jong-un,” Park said' gives "Park"
    for i in range(head.i - 1, start - 1, -1):
        if doc[i].text in '”"' or doc[i].text in ("''", "’’"):
            start = i + 1
            break
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


def _appositive_role(doc: Doc, span: tuple[int, int]) -> tuple[int, int] | None:
    """The role set off by commas beside a named source: "The former head of the agency, General Tom Hale"
    (role first) or "Ahmed Rudaini, the health ministry's spokesman" (name first) give the role's tokens;
    a name beside a name ("the newspaper, As-Safir") or no apposition gives None."""
    root = doc[span[0] : span[1]].root
    if not (root.pos_ == "PROPN" or root.ent_type_ == "PERSON"):
        return None
    head = root.head
    if root.dep_ == "appos" and head.i < root.i and head.pos_ in ("NOUN", "PRON") and doc[root.left_edge.i - 1].text == ",":
        start, end = head.left_edge.i, root.left_edge.i - 1  # role first: up to the comma before the name
    else:
        role = next(
            (c for c in root.children if c.dep_ == "appos" and c.i > root.i and c.pos_ == "NOUN" and doc[c.left_edge.i - 1].text == ","),
            None,
        )
        if role is None:
            return None
        start, end = role.left_edge.i, role.right_edge.i + 1
    while start < end and (doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if end - start > 16 or any("\n" in t.text_with_ws for t in doc[start : end - 1]) or any(t.text in QUOTES for t in doc[start:end]):
        return None  # a clause, a quotation or something across a line break, not a role
    return (start, end) if start < end else None


_DASHES = {"—", "–", "--", "-", "―"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
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
    # a date with no comma: "On Sunday Ineter scientist Jose Millan"
    i = start
    while i < head and (doc[i].ent_type_ in ("DATE", "TIME") or doc[i].lower_ in _DATE_WORDS and doc[i + 1].ent_type_ in ("DATE", "TIME")):
        i += 1
    if i > start and (doc[start].lower_ in _DATE_WORDS or doc[start].lower_ in _WEEKDAYS):
        start = i
    return start


def _reporting_head(tok: Token) -> Token | None:
    """The speech verb whose clausal complement `tok` is ("said [he had been told ...]"), if any."""
    if tok.dep_ == "ccomp" and tok.head != tok and tok.head.lemma_.lower() in lexicon().speech and tok.head.pos_ in ("VERB", "AUX"):
        return tok.head
    return None


def _find_subject(verb: Token) -> Token | None:
    """The subject of a verb, climbing xcomp/conj/advcl/pcomp chains ("went on to say", "named X and said").
    A speech verb coordinated with a verb of the reported clause belongs to the reporting clause:
    "Al-Sabah reported that militants had brought the virus and claimed that ..." (the parser attaches
    "claimed" to "brought"), "X said he had been told by members ... and dismissed the reports"."""
    current: Token = verb
    lex = lexicon()
    if (
        verb.dep_ == "conj"
        and verb.head.lemma_.lower() not in lex.speech
        and _reporting_head(verb.head) is not None
        and not any(c.dep_ in _SUBJ for c in verb.children)
        and any(c.dep_ == "ccomp" and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children) for c in verb.children)
    ):
        current = verb.head.head
    for _ in range(5):
        at = current.i
        subjects = [
            c
            for c in current.children
            if c.dep_ in ("nsubj", "csubj") or c.dep_ == "nsubjpass" and current != verb and current.lemma_.lower() in lex.raising
        ]  # "the minister was forced to deny": the minister denied
        if subjects:
            return min(subjects, key=lambda c: abs(c.i - at))  # the parser may attach stray tokens as subjects
        reporting = _reporting_head(current)
        if current.dep_ == "pcomp" and current.head.lower_ == "by" and current.head.head.pos_ in ("VERB", "AUX"):
            current = current.head.head  # "Apple responded to the reports by saying ...": Apple said
        elif current.dep_ in ("xcomp", "conj", "advcl") and current.head != current:
            participle = current.dep_ == "advcl" and current.tag_ == "VBG"
            current = current.head
            if participle and _reporting_head(current) is not None:
                # "X says this rumor is false, saying ...", "X confirmed that the actor was a victim, calling ...":
                # the participle belongs to the reporting clause, not to the reported one
                current = _reporting_head(current) or current
        elif reporting is not None and current != verb:
            current = reporting  # a conjunct inside the reported clause with no subject of its own
        else:
            return None
    return None


def _agent(verb: Token) -> Token | None:
    """The `by` agent of a passive verb ("we're told by several insiders"), also where the parser hangs
    "by" on a modifier after the verb ("refuted as 'incorrect' and 'unfounded' by the ministry")."""
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    for tok in verb.subtree:
        if tok.lower_ != "by" or tok.i < verb.i or tok.dep_ not in ("prep", "agent"):
            continue
        up = tok.head
        while up != verb and up.pos_ not in ("VERB", "AUX") and up.head != up:
            up = up.head
        pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if (
            up == verb
            and pobj is not None
            and (pobj.pos_ == "PROPN" or pobj.ent_type_ in ("ORG", "PERSON", "NORP", "GPE") or pobj.lemma_.lower() in lexicon().agent_nouns)
        ):
            return pobj
    return None


_OBJECT_CONTENT = {"confirm", "deny", "reject", "dismiss", "refute", "dispute", "retract", "disavow", "accuse", "condemn", "criticize"}


_CHARGE_PREPS = {"accuse": ("of",), "blame": ("on", "for")}


def _content_span(verb: Token, sent: Span, exclude: list[tuple[int, int]]) -> tuple[int, int]:
    """What is attributed: the clausal complement/object of the cue, else the rest of the sentence."""
    lemma = verb.lemma_.lower()
    lex = lexicon()
    phrasal = lex.phrasal.get(lemma)
    for child in verb.children:
        if child.dep_ in ("ccomp", "xcomp") or (
            child.dep_ == "dobj"
            and (lemma in _OBJECT_CONTENT or lemma in lex.denial or lemma in lex.content_required or phrasal is not None)
        ):  # what is denied is the object: "had to debunk [the rumours]"
            sub = list(child.subtree)
            start, end = sub[0].i, sub[-1].i + 1
            if lemma in _CHARGE_PREPS:  # "accused X of Y", "blamed X on Y": X and the charge
                end = max([end] + [c.right_edge.i + 1 for c in verb.children if c.dep_ == "prep" and c.lower_ in _CHARGE_PREPS[lemma]])
            if child.dep_ == "dobj":  # "called the reports baseless", "dismissed the reports as propaganda": what they are called
                for oprd in (
                    c for c in verb.children if c.i > child.i and (c.dep_ in ("oprd", "xcomp") or c.dep_ == "prep" and c.lower_ == "as")
                ):
                    end = max(end, oprd.right_edge.i + 1)
            if child.dep_ == "ccomp" and child.i > verb.i:  # "said she is fine, and that rumors ... are untrue": both clauses
                end = max([end] + [c.right_edge.i + 1 for c in verb.children if c.dep_ == "ccomp" and c.i > child.i])
            return start, end
    if phrasal is not None:  # "called for calm": the object of the preposition
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in phrasal:
                pobj = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
                if pobj:
                    return pobj[0].left_edge.i, pobj[0].right_edge.i + 1
    colon = _colon_quote(verb)
    if colon is not None:  # "posted on Monday: “...”": the quotation
        return colon + 1, sent.end
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
        channel = _channel(verb)
        if channel is not None:  # '"...," the expert told the newspaper': whom it was told is no content
            cue_tokens.update(range(*channel))
        remaining = [i for i in range(start, end) if i not in cue_tokens and not verb.doc[i].is_space]
        if verb.dep_ == "ROOT":  # what follows the cue, unless it is only punctuation: then what precedes the
            # speaker and cue ('"Closed for good," the sign read.', '"...," said al-Bredi.')
            after = [i for i in remaining if i > max(cue_tokens)]
            before = [i for i in remaining if i < min([verb.i] + [a for a, _ in exclude])]
            if _worded(verb.doc, after):
                remaining = after
            elif _worded(verb.doc, before):
                remaining = before
        elif remaining and not _worded(verb.doc, (i for i in remaining if i > max(cue_tokens))):
            # "Brokaw wants Williams fired, the Post reported Thursday, citing sources": a trailing cue the parser hung
            # off the reported clause; the content is what precedes it, not a span across the speaker and cue
            remaining = [i for i in remaining if i < min(cue_tokens)] or remaining
        if remaining:
            return remaining[0], remaining[-1] + 1
    return verb.i + 1, verb.i + 1


def _worded(doc: Doc, indices: Iterable[int]) -> bool:
    """Do these tokens hold a word or a number (not only punctuation and space)?"""
    return any(doc[i].is_alpha or doc[i].like_num for i in indices)


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading/trailing punctuation (but keep quotes), line breaks and a complementiser ('that', 'if')."""
    while start < end and (doc[start].is_punct and doc[start].text not in _OPEN_QUOTES or doc[start].dep_ == "mark" or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct and doc[end - 1].text not in QUOTES + "’'" or doc[end - 1].is_space):
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
    lemma: str | None = None  # the cue's lemma where the tagger got it wrong ("Warns" read as a name)


def _particle(tok: Token, lex: Lexicon) -> Token | None:
    """The particle or preposition that makes a phrasal cue ("ruled out", "brushed off", "called for")."""
    wanted = lex.phrasal.get(tok.lemma_.lower())
    if not wanted:
        return None
    return next((c for c in tok.children if c.dep_ in ("prt", "prep", "advmod") and c.lower_ in wanted and 0 < c.i - tok.i <= 3), None)


def _cue_span(tok: Token, lex: Lexicon) -> tuple[int, int]:
    prt = _particle(tok, lex)
    if prt is not None and prt.i == tok.i + 1:
        return tok.i, prt.i + 1
    return tok.i, tok.i + 1


_EVIDENTIAL = {"suggest", "indicate", "show", "mean", "imply"}  # "..., suggesting that": the writer's inference
_PHRASAL_ONLY = {"brush", "wave", "laugh", "knock", "shoot", "speak", "walk", "point", "push"}


def _verb_s(tok: Token, lex: Lexicon) -> str | None:
    """The lexicon lemma of a capitalised third-person form ("Warns", "Denies", "Dismisses"), if it is one."""
    low = tok.lower_
    if not tok.text[:1].isupper() or not low.endswith("s") or len(low) < 4:
        return None
    bases = [low[:-3] + "y"] if low.endswith("ies") else [low[:-1], low[:-2]] if low.endswith("es") else [low[:-1]]
    return next((b for b in bases if b in lex.speech and b not in _PHRASAL_ONLY and b not in lex.content_required), None)


def _headline_verb(tok: Token, lex: Lexicon) -> str | None:
    """A speech verb in a title-case headline that the tagger took for a name ("Perry Warns Terrorists Could
    Infiltrate US"): a capitalised -s form of a lexicon verb with a subject and a clausal complement. Its lemma."""
    base = _verb_s(tok, lex) if tok.pos_ in ("PROPN", "NOUN") else None
    if base is None or not any(c.dep_ == "nsubj" for c in tok.children) or not any(c.dep_ == "ccomp" for c in tok.children):
        return None
    return base


def _headline_cue(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    """A title-case headline line, however parsed: "Minister Denies Plan To Close Schools" gives the words
    before the verb as the source and the rest of the line as the content."""
    lemma = _verb_s(tok, lex) if tok.i > sent.start else None
    if lemma is None:
        return None
    line = [t for t in sent if not t.is_space]
    words = [t for t in line if t.is_alpha]
    if (
        not line
        or line[-1].text in (".", "?", "!", ":")
        or "\n" in sent.text.strip()
        or len(words) < 4
        or sum(t.text[:1].isupper() for t in words) < 0.8 * len(words)
    ):
        return None
    before = [t for t in line if t.i < tok.i]
    after = [t for t in line if t.i > tok.i]
    if any(t.lower_ in lex.speech or _verb_s(t, lex) for t in before):
        return None  # "Police Dismiss Reports Of ...": the first verb of the line is the cue, if any
    if (
        not 1 <= len(before) <= 6
        or len(after) < 2
        or before[0].tag_ in ("WP", "WDT", "WRB")
        or not any(t.pos_ in ("PROPN", "NOUN") for t in before)
    ):
        return None
    return _Found((before[0].i, before[-1].i + 1), (tok.i, tok.i + 1), tok, (after[0].i, after[-1].i + 1), None, lemma=lemma)


def _quoted_as_saying(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    """ "X was quoted as saying (that) Y" and '"Y," X was quoted as saying': X said Y (the subject of the
    passive "quoted" is the speaker; the cue runs from "quoted" to "saying")."""
    if tok.lemma_.lower() != "quote" or tok.tag_ != "VBN":
        return None
    subject = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
    saying = next(
        (
            p
            for a in tok.children
            if a.dep_ == "prep" and a.lower_ == "as"
            for p in a.children
            if p.dep_ in ("pcomp", "pobj") and p.lemma_.lower() in lex.speech
        ),
        None,
    )
    if subject is None or saying is None:
        return None
    source = _source_span(subject)
    has_clause = any(c.dep_ in ("ccomp", "xcomp") for c in saying.children)
    content = _content_span(saying if has_clause else tok, sent, [source, (tok.i, saying.i + 1)])
    return _Found(source, (tok.i, saying.i + 1), tok, content, _channel(tok), lemma=saying.lemma_.lower())


def _agentless_passive(tok: Token) -> bool:
    """A passive participle with no "by" agent ("is believed to", "are thought to", "it is understood that")."""
    return tok.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in tok.children) and _agent(tok) is None


def _infinitive(tok: Token) -> bool:
    """A verb with "to" ("to comment", "to have beheaded")."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _to_clause(tok: Token) -> Token | None:
    """An infinitival complement ("believed [to have beheaded Foley]", "claiming [to be Shekau]")."""
    return next((c for c in tok.children if c.dep_ == "xcomp" and _infinitive(c)), None)


def _reduced_hedge(tok: Token, lex: Lexicon) -> _Found | None:
    """A reduced passive hedge, with neither subject nor auxiliary: "the man believed to have beheaded Foley", "an
    insect, believed to be a spider", "a catfish, thought to be the biggest ever caught": an agentless attribution."""
    lemma = tok.lemma_.lower()
    if (lemma not in lex.belief_passive and lemma not in lex.passive_hedge) or tok.tag_ not in ("VBN", "VBD"):
        return None
    if tok.dep_ not in ("acl", "advcl", "conj") or any(c.dep_ in _SUBJ or c.dep_ in ("aux", "auxpass", "agent") for c in tok.children):
        return None
    clause = _to_clause(tok)
    if clause is None:
        return None
    return _Found(None, (tok.i, tok.i + 1), tok, (clause.left_edge.i, clause.right_edge.i + 1), None, passive_hedge=True)


_READERS = {"i", "you", "we", "they", "he", "she", "people", "everybody", "everyone", "anyone", "reader", "user"}


def _reads_quote(tok: Token) -> bool:
    """A sign, caption, message or tweet that reads a quotation ('the caption read: "Case closed."', '"...," reads
    one of the top comments', '"...," it read'), not someone reading ("you can read the full report")."""
    if tok.lemma_.lower() != "read" or tok.pos_ not in ("VERB", "NOUN"):  # with a subject, a noun tag is a mistag
        return False
    subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.lemma_.lower() in _READERS or subject.ent_type_ == "PERSON":
        return False
    doc = tok.doc
    after = [t for t in doc[tok.i + 1 : tok.i + 3] if not t.is_space and t.text not in (",", ":")]
    first = min(subject.left_edge.i, tok.i)
    before = [t.text for t in doc[max(first - 2, 0) : first]]  # the closing quote of '"...," the caption read'
    return bool(after and after[0].text in _OPEN_QUOTES) or any(t in QUOTES + "’" for t in before)


def _acronym(tok: Token) -> bool:
    """A word in capitals of three letters or more ("WHO", "PERTH"): a name, never the function word it spells."""
    return tok.is_upper and len(tok) > 2


def _relative(tok: Token) -> bool:
    """A relative or interrogative pronoun ("who says", "which claimed"), never the acronym "WHO"."""
    return tok.lower_ in ("which", "that", "what", "who") and not _acronym(tok)


def _verb_read_as_noun(tok: Token, lex: Lexicon) -> bool:
    """A reporting verb the tagger read as a plural noun ("claims", "says"): it has a subject and a clause of its own."""
    return (
        tok.tag_ == "NNS"
        and tok.lemma_.lower() in lex.speech
        and any(c.dep_ == "nsubj" for c in tok.children)
        and any(c.dep_ == "ccomp" for c in tok.children)
    )


def _call_is_act(tok: Token) -> bool:
    """A phone call or a summons, not a statement: "called 911", "called up an executive", "(Should they spot a
    problem,) they call a security guard". "called the report 'rubbish'", "called out the director" and "called for
    calm" speak."""
    children = list(tok.children)
    if any(c.dep_ == "dobj" and c.like_num or c.dep_ == "prt" and c.lower_ == "up" for c in children):
        return True
    return any(c.dep_ == "dobj" for c in children) and not any(
        c.dep_ in ("oprd", "xcomp", "prep", "dative", "prt") or c.dep_ == "ccomp" and c.i > tok.i or c.text in QUOTES for c in children
    )


def _speech_verb(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    lemma = tok.lemma_.lower()
    if _reads_quote(tok):  # the document is the source, the quotation what it says
        source = _source_span(next(c for c in tok.children if c.dep_ == "nsubj"))
        return _Found(source, (tok.i, tok.i + 1), tok, _content_span(tok, sent, [source]), None)
    reduced = _reduced_hedge(tok, lex) if tok.pos_ == "VERB" else None
    if reduced is not None:
        return reduced
    headline = _headline_verb(tok, lex) if tok.pos_ in ("PROPN", "NOUN") and tok.is_title else None
    if headline is not None:
        lemma = headline
    elif _verb_read_as_noun(tok, lex):
        pass  # "O’neal claims he went to heaven", with "claims" tagged a plural noun
    elif tok.pos_ not in ("VERB", "AUX") or lemma not in lex.speech and not (lemma in lex.belief_passive and _agentless_passive(tok)):
        return None  # "is believed to", "it is understood that": agentless hedges; "she believes" is no statement
    if lemma in _PHRASAL_ONLY and _particle(tok, lex) is None:
        return None  # "waved at the crowd": no statement
    if lemma in ("continue", "agree") and any(
        c.dep_ == "xcomp" or c.tag_ == "VBG" and c.dep_ == "dobj" or lemma == "agree" and c.dep_ == "dobj" for c in tok.children
    ):
        return None  # "continued to fire", "agreed to end the insurgency", "agreed a cease-fire": acts ("continued to
        # deny" is the denial's own cue); '"...," he continued' and "agreed that ..." are statements
    if lemma == "push" and not any(c.dep_ == "prep" and c.lower_ in ("on", "against") for c in tok.children):
        return None  # "pushed back the police": no statement; "pushed back on the reports" is a rebuttal
    acts = lex.act_objects.get(lemma)
    if acts and any(c.dep_ in ("dobj", "nsubjpass") and c.lemma_.lower() in acts for c in tok.children):
        return None  # "the court dismissed the case", "the union rejected the offer": an act, not a statement
    if lemma == "call" and _call_is_act(tok):
        return None
    if lemma in ("recall", "remember") and any(c.dep_ == "aux" and c.lower_ in ("can", "could") for c in tok.children):
        return None  # "the last time Cooke can recall a meteorite": memory, not a statement
    if (
        lemma == "report"
        and tok.tag_ == "VBG"
        and not any(c.dep_ in ("dobj", "ccomp", "xcomp", "nsubjpass") for c in tok.children)
        and any(c.dep_ == "prep" and c.lower_ in ("from", "out") for c in tok.children)
    ):
        return None  # "he has been reporting out of extreme conditions for years": a reporter's work ("reporting on" a
        # rumour still reports it)
    if lemma == "identify" and not any(c.dep_ == "prep" and c.lower_ == "as" for c in tok.children):
        return None  # "identified the car": no statement; "identified her as his sister" is one
    if lemma == "call" and _particle(tok, lex) is not None and not any(c.dep_ in ("dobj", "oprd") for c in tok.children):
        speaker = _find_subject(tok) or _preceding_noun(tok)
        if speaker is None or _relative(speaker):
            return None
        source = _source_span(speaker)
        return _Found(source, _cue_span(tok, lex), tok, _content_span(tok, sent, [source]), _channel(tok))
    if headline is None and tok.text[0].isupper() and tok.i > sent.start and tok.nbor(-1).pos_ == "PROPN":
        return None  # a name ("Brigadier General Said Al-Saudi"), not the verb
    own_subject = any(c.dep_ in _SUBJ for c in tok.children)
    clausal = any(c.dep_ == "ccomp" for c in tok.children)
    calls = lemma == "call" and tok.tag_ == "VBG" and any(c.dep_ in ("oprd", "xcomp") for c in tok.children)  # "calling X a liar"
    if tok.dep_ == "acl" and not own_subject:
        # "a blog claiming sources told it ...", "a news release calling the report untrue": the noun is the source;
        # never a past participle ("a district called X") or a participle without a reported clause
        quoting = clausal or _quotes_after_colon(tok)  # "Oliver Brimo, a friend, posted on Monday: “...”"
        quoting = quoting or lemma in ("claim", "purport") and _to_clause(tok) is not None  # "a man claiming to be Shekau"
        if not ((quoting and tok.tag_ in ("VBG", "VBN")) or calls) or tok.head.pos_ not in ("NOUN", "PROPN"):
            return None
    by_agent = tok.tag_ == "VBN" and any(c.dep_ == "agent" for c in tok.children)  # "as reported by The Inquisitr"
    if (
        tok.dep_ == "advcl"
        and not own_subject
        and not by_agent
        and lemma not in lex.participial
        and not ((clausal or calls) and tok.tag_ == "VBG" and lemma not in _EVIDENTIAL)
    ):
        return None  # "most recently reporting the dimensions"; "emphasizing that ..." reports a clause; "suggesting that" infers
    if any(c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in tok.children):
        return None  # "asked him if he would deny the figure": a question, no statement
    has_clause = any(c.dep_ in ("ccomp", "xcomp", "parataxis") for c in tok.children) or _in_inversion(tok)
    negated = any(c.dep_ == "neg" and 0 < tok.i - c.i <= 3 for c in tok.children)  # not a "NOT ..." subhead before
    # "neither confirmed nor denied the rumor": both halves negated
    negated = (
        negated
        or any(c.lower_ == "neither" for c in tok.children)
        or (tok.dep_ == "conj" and any(c.lower_ == "neither" for c in tok.head.children))
    )
    if negated and (not has_clause or lemma in lex.confirmation or lemma in lex.denial):
        return None  # "is not commenting", "did not dismiss concerns", "could not confirm she is his wife"
    if not has_clause and any(
        c.dep_ == "dobj"
        and (c.lower_ == "nothing" or any(d.lower_ == "no" for d in c.children))
        and not any(t.text in _OPEN_QUOTES for t in tok.doc[tok.i : c.left_edge.i])  # wrote: “No brainer quiz ...”
        for c in tok.children
    ):
        return None  # "has announced no investigations", "said nothing"
    if lemma in lex.clause_required and not (
        _in_inversion(tok)
        or _quotes_after_colon(tok)
        or any(c.dep_ == "ccomp" or c.dep_ == "xcomp" and c.lemma_.lower() in lex.speech for c in tok.children)
    ):
        return None  # "posted a video": no statement; "posted on Facebook that she was safe" is one
    if tok.dep_ == "xcomp" and _infinitive(tok) and tok.head.lemma_ not in lex.raising:
        return None  # "declined to comment", "working to confirm reports"
    if lemma == "add" and not has_clause:
        return None  # "added some details": no statement
    if lemma == "cite":  # "citing sources in Tehran": the cited are the source
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is None:
            return None
        source = _source_span(obj)
        if tok.dep_ in ("relcl", "ROOT") or tok.head.pos_ not in ("VERB", "AUX"):
            # "a report ..., which cited NBC insiders": the sentence around the clause; "Most of them cited
            # sources in Mosul": the sentence without the cited
            cut = (tok.left_edge.i, tok.right_edge.i + 1) if tok.dep_ != "ROOT" else source
            kept = [i for i in range(sent.start, sent.end) if not cut[0] <= i < cut[1] and i != tok.i and not sent.doc[i].is_space]
            content = (kept[0], kept[-1] + 1) if kept else (tok.i, tok.i)
        else:
            content = _content_span(tok.head, sent, [(tok.left_edge.i, tok.right_edge.i + 1)])
        return _Found(source, (tok.i, tok.i + 1), tok, content, None)
    is_passive = by_agent or any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children)
    subject: Token | None
    if is_passive:
        subject = _agent(tok)
        if subject is None:
            hedge_verb = lemma in lex.passive_hedge or lemma in lex.belief_passive
            said_to = next((c for c in tok.children if c.dep_ == "xcomp" and c.lemma_.lower() in lex.speech and c.pos_ == "VERB"), None)
            speaker = next((c for c in tok.children if c.dep_ == "nsubjpass" and c.pos_ in ("NOUN", "PROPN")), None)
            if hedge_verb and said_to is not None and speaker is not None:
                # "an official is said to have denied the plans": the official denied, hedged
                source = _source_span(speaker)
                content = _content_span(said_to, sent, [source])
                return _Found(source, _cue_span(said_to, lex), said_to, content, _channel(said_to), passive_hedge=True)
            if hedge_verb and any(c.dep_ in ("xcomp", "ccomp") for c in tok.children):
                # "is said", but "reported" alone in "was incorrectly reported" and "it's claimed"
                aux = [c.i for c in tok.children if c.dep_ == "auxpass" and c.i == tok.i - 1 and c.is_alpha]
                start = min(aux + [tok.i])
                # what is said: "it was reported [that his cousin had died]", "[Kim] was reported [to have taken ...]"
                clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
                parts = [c for c in tok.children if c.dep_ in ("nsubjpass", "xcomp") and c.lower_ != "it"]
                if clause is not None:
                    content = (clause.left_edge.i, clause.right_edge.i + 1)
                elif parts:
                    content = (min(c.left_edge.i for c in parts), max(c.right_edge.i for c in parts) + 1)
                else:
                    content = (sent.start, sent.end)
                return _Found(None, (start, tok.i + 1), tok, content, None, passive_hedge=True)
            if hedge_verb and any(c.lower_ == "it" and c.dep_ == "nsubjpass" for c in tok.children):
                return _Found(None, (tok.i, tok.i + 1), tok, _content_span(tok, sent, []), None, passive_hedge=True)
            return None
    elif tok.dep_ == "pcomp" and tok.head.lower_ == "as" and tok.head.head.lemma_ == "quote":
        subject = next((c for c in tok.head.head.children if c.dep_ == "dobj"), None)  # "quotes X as saying"
    elif tok.dep_ == "acl" and not own_subject:
        subject = tok.head  # checked above: "lengthy statements claiming the reports were false"
    elif tok.dep_ == "relcl" and tok.head.pos_ in ("NOUN", "PROPN"):
        subjects = [c for c in tok.children if c.dep_ == "nsubj"]
        subject = next((c for c in subjects if not _relative(c)), None)  # "who ISIS had claimed to have abducted"
        if subject is None and subjects:
            subject = tok.head  # "a man who says ..."
    else:
        subject = _find_subject(tok) or _preceding_noun(tok)
    if subject is None or _relative(subject):
        return None
    said = any(c.dep_ in ("ccomp", "xcomp", "oprd") or c.dep_ == "prep" and c.lower_ == "as" for c in tok.children) or any(
        t.dep_ == "mark" and t.lower_ == "that"
        for t in tok.subtree  # "we're told by insiders that ...", however parsed
    )
    if is_passive and not said and tok.dep_ not in ("relcl", "advcl"):
        # "the first lady was criticized by Saudis": the subject is what was said; "police were informed by
        # witnesses", "the meeting was called by Kim": nothing was said
        patient = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
        if lemma in ("tell", "inform", "call", "ask", "quote") or patient is None or patient.pos_ == "PRON":
            return None
    if (
        lemma in lex.content_required
        and not any(c.dep_ in ("ccomp", "dobj", "xcomp", "oprd") or (is_passive and c.dep_ == "nsubjpass") for c in tok.children)
        and lemma != "push"  # "pushed back on the reports": its object was checked above
        and tok.dep_ not in ("parataxis",)
    ):
        return None
    source = _source_span(subject)
    exclude = [source]
    content = (_relative_content(tok) if is_passive else None) or _content_span(tok, sent, exclude)
    channel = _channel(tok)
    if channel is not None and channel[0] < source[0] < channel[1]:  # "in an interview on Monday [the partner] said"
        channel = _trim(tok.doc, channel[0], source[0])
    return _Found(source, _cue_span(tok, lex), tok, content, channel, lemma=headline)


def _relative_content(verb: Token) -> tuple[int, int] | None:
    """What a passive with an agent and no clause attributes: the noun phrase a relative clause describes
    ("cases of Ebola which was reported by the website"), else the subject ("the first lady was criticized
    by Saudis", "the woman was described by officials as 'one of his wives'")."""
    if any(c.dep_ in ("ccomp", "xcomp") for c in verb.children):
        return None
    if verb.dep_ == "relcl" and any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        head = verb.head
        return head.left_edge.i, (verb.left_edge.i if verb.left_edge.i > head.i else head.i + 1)
    patient = next((c for c in verb.children if c.dep_ == "nsubjpass" and c.pos_ != "PRON"), None)
    if patient is None:
        return None
    as_phrase = [c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as"]
    return patient.left_edge.i, max([patient.right_edge.i] + [c.right_edge.i for c in as_phrase]) + 1


def _in_inversion(verb: Token) -> bool:
    """'"...," he said': the cue clause hangs off the quoted clause or closes the sentence."""
    return verb.dep_ in ("parataxis",) or (verb.dep_ == "ROOT" and any(c.dep_ == "ccomp" and c.i < verb.i for c in verb.children))


def _colon_quote(tok: Token) -> int | None:
    """'posted on her Facebook profile on Monday: "To those who ..."': the colon after which the cue's quotation
    opens (no other verb between), if any."""
    doc = tok.doc
    for t in doc[tok.i + 1 : tok.i + 40]:
        if t.is_sent_start:
            return None
        if t.text == ":":
            return t.i if t.i + 1 < len(doc) and doc[t.i + 1].text in _OPEN_QUOTES else None
        if t.pos_ in ("VERB", "AUX") or t.text in _OPEN_QUOTES:
            return None
    return None


def _quotes_after_colon(tok: Token) -> bool:
    return _colon_quote(tok) is not None


def _after_closing_quote(tok: Token) -> bool:
    """A capitalised word right after ',"' (or ',”'), the place of the speaker's name in '"...," Rather said'."""
    doc = tok.doc
    return tok.is_title and tok.i >= 2 and doc[tok.i - 1].text in QUOTES + "’'" and doc[tok.i - 2].text == ","


def _preceding_noun(verb: Token) -> Token | None:
    """Subject the parser missed in '..., a source close to KCTV5 News says.': the noun phrase just before the verb."""
    if verb.i == 0:
        return None
    doc = verb.doc
    tok = doc[verb.i - 1]
    if _after_closing_quote(tok) and tok.pos_ in ("ADV", "ADJ", "VERB", "NOUN", "PROPN", "X"):
        return tok  # '"...," Rather said': a name the tagger read as another word
    if tok.text == "," and not any(c.dep_ in _SUBJ for c in verb.children):
        # "In an interview on Monday Islam's partner Damir T., who was also in the article, said": a name whose
        # relative clause or apposition ends at the comma before the verb, hung elsewhere by the parser
        named = [
            t
            for t in doc[max(verb.left_edge.i, 0) : verb.i]
            if t.right_edge.i == tok.i and t.i < tok.i and t.ent_type_ in ("PERSON", "ORG")
        ]
        if named and named[0].dep_ not in _SUBJ:
            return named[0]
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
    lead = [sent.doc[i] for i in remaining if i < phrase[0]]
    if lead and all(t.dep_ in ("cc", "punct", "advmod") or t.is_space for t in lead):
        remaining = [i for i in remaining if i >= phrase[1]]  # "But according to X, Y": the content is Y
    # drop a trailing participial "citing ..." clause from the content: it is a separate attribution
    citing = [t for t in sent if t.lemma_ == "cite" and t.dep_ == "advcl"]
    if citing:
        remaining = [i for i in remaining if i < citing[0].left_edge.i]
    content = (remaining[0], remaining[-1] + 1) if remaining else phrase
    return _Found(source, (tok.i, tok.i + 2), tok, content, None)


def _per(tok: Token, sent: Span) -> _Found | None:
    """ "Per Harig, Olsen claimed ...", "..., per the AP": "per" with a named source, like "according to"
    (never "per cent", "$5 per share")."""
    if tok.lower_ != "per" or tok.dep_ != "prep":
        return None
    pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
    if pobj is None or not (pobj.pos_ == "PROPN" or pobj.ent_type_ in ("PERSON", "ORG", "NORP")) or pobj.ent_type_ in _NUMERIC_ENTS:
        return None
    phrase = (tok.i, tok.right_edge.i + 1)
    remaining = [i for i in range(sent.start, sent.end) if not phrase[0] <= i < phrase[1] and not sent.doc[i].is_space]
    while remaining and sent.doc[remaining[-1]].is_punct and sent.doc[remaining[-1]].text not in QUOTES:
        remaining.pop()  # "..., per Bloomberg."
    if not remaining:
        return None
    return _Found(_source_span(pobj), (tok.i, tok.i + 1), tok, (remaining[0], remaining[-1] + 1), None)


def _noun_cue(tok: Token, sent: Span, lex: Lexicon) -> _Found | None:
    nouns = lex.noun_cues.get(tok.lemma_.lower())
    if not nouns or tok.pos_ != "VERB":
        return None
    obj = next((c for c in tok.children if c.dep_ in ("dobj", "ccomp", "oprd", "acomp") and c.lemma_.lower() in nouns), None)
    subject = _find_subject(tok)
    if obj is None or subject is None or _relative(subject):
        return None
    source = _source_span(subject)
    cue = (min(tok.i, obj.i), max(tok.i, obj.i) + 1)
    content = _content_span(tok, sent, [source, cue])
    if tok.lemma_ == "make":
        content = next(((c.left_edge.i, c.right_edge.i + 1) for c in obj.children if c.dep_ == "ccomp"), content)
    about = [c for c in obj.children if c.dep_ == "prep" and c.lower_ in ("over", "on", "about", "regarding")]
    about += [c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("over", "on", "about", "regarding") and c.i > obj.i]
    if about:  # "cast doubt over claims that ...", "raised questions about whether ...": what is doubted
        content = min(about[0].i + 1, about[0].right_edge.i), about[0].right_edge.i + 1
    return _Found(source, cue, tok, content, _channel(tok))


_OPENERS = {"“": "”", "«": "»"}


def quoted_mask(text: str) -> list[bool]:
    """Per character: inside a double-quoted passage? Curly quotes pair up; straight quotes toggle; two
    apostrophes ('') close a passage too. A quote left open at a paragraph end closes there (news style
    re-opens quotes per paragraph)."""
    mask = [False] * (len(text) + 1)
    inside = False
    closing = False
    for i, ch in enumerate(text):
        if closing:
            closing = False  # the second apostrophe of ''
        elif ch == "“" or (ch == '"' and not inside):
            inside = True
        elif ch in "”»" or (ch == '"' and inside) or ch == "\n" and i + 1 < len(text) and text[i + 1] == "\n":
            inside = False
        elif inside and ch == "'" and text[i + 1 : i + 2] == "'":
            inside, closing = False, True
        else:
            mask[i] = inside
    return mask


def _split_quote(doc: Doc, quoted: list[bool], sent: Span, found: _Found) -> tuple[int, int] | None:
    """'“... into a feature film” Sutter said.': the parser cut the cue off its quotation (no comma after it), so
    the sentence is only the speaker and the cue; the quotation that closes right before it, in the same paragraph."""
    own = {found.cue_token.i, *range(*found.cue), *(range(*found.source) if found.source else ())}
    if any(t.is_alpha and t.i not in own for t in sent):
        return None
    i = sent.start - 1
    while i >= 0 and (doc[i].is_space or doc[i].text in (",", ".")):
        i -= 1
    if i < 1 or doc[i].text not in ("”", '"'):
        return None
    close = doc[i].idx
    start = close
    while start > 0 and quoted[start - 1]:
        start -= 1
    if start == close or "\n\n" in doc.text[start:close]:
        return None
    span = doc.char_span(start, close, alignment_mode="expand")
    return (span.start, span.end) if span is not None else None


def _char(doc: Doc, span: tuple[int, int] | None) -> tuple[int, int, str]:
    if span is None or span[0] >= span[1]:
        return -1, -1, ""
    s = doc[span[0] : span[1]]
    return s.start_char, s.end_char, s.text


_NON_AGENTS = {
    "who",
    "whom",
    "whose",
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
_NOBODY = {"anyone", "anybody", "nobody", "noone", "everyone", "everybody"}
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


def _opens_dateline(head: Token) -> bool:
    """A place in capitals opening its sentence before a comma: the dateline "PERTH, Australia --"."""
    doc = head.doc
    return _acronym(head) and head.i == head.sent.start and head.i + 1 < len(doc) and doc[head.i + 1].text == ","


def _past_dateline(doc: Doc, span: tuple[int, int]) -> tuple[int, int] | None:
    """'PERTH, Australia -- Police said ...': the parser took the dateline for the subject and the speaker after
    the dash for its appositive; that appositive, when the source is a capitalised place opening its sentence."""
    head = _source_head(doc, span)
    if not _opens_dateline(head):
        return None
    dash = next((t for t in head.sent if t.text in _DASHES and t.i > head.i), None)
    after = [c for c in head.children if c.dep_ == "appos" and dash is not None and c.i > dash.i]
    return _source_span(after[-1]) if after else None


def _is_agent(doc: Doc, span: tuple[int, int], found: _Found, lex: Lexicon) -> bool:
    """Can this span say something? People, groups, organisations, outlets and documents can;
    a bare place that is not the cue's own subject, a date, a number or another common noun cannot."""
    if span[0] >= span[1]:
        return False
    head = _source_head(doc, span)
    low = head.lower_
    if _opens_dateline(head):
        return False  # a dateline ("PERTH, Australia --") taken for the subject
    if low in _PARTITIVES:  # "one of the men", "several of the affected users": the people after "of"
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if pobj is not None:
            head, low = pobj, pobj.lower_
    cue = found.cue_token
    if span == (cue.i - 1, cue.i) and _after_closing_quote(head):
        return True  # '"...," Rather said': a name the tagger read as another word
    if head.pos_ == "ADJ" and head.dep_ == "nsubj" and any(c.dep_ == "det" for c in head.children):
        return True  # "the abbess denied" (a noun the tagger read as an adjective), "the injured said"
    if low in _NOBODY or any(c.dep_ == "det" and c.lower_ == "no" for c in head.children):
        return False  # "No group claimed responsibility", "anyone saying that"
    if _acronym(head) and (head.pos_ == "PRON" or low in _NON_AGENTS):
        return True  # "the WHO said" is the World Health Organization, not the pronoun
    if head.pos_ == "PRON" or low in lex.pronouns:
        return low not in _NON_AGENTS
    mixed_case = any(c.isupper() for c in head.text[1:]) and any(c.islower() for c in head.text)
    # a number word that ends a name is no number: "the New York Post’s Page Six reported"
    named_number = head.text[:1].isupper() and any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in head.children)
    if (
        low in _NON_AGENTS
        or (head.ent_type_ in _NUMERIC_ENTS and head.pos_ != "PROPN" and not mixed_case)
        or (head.like_num and not named_number)
    ):
        return False
    words = [t for t in doc[span[0] : span[1]] if not t.is_punct]
    if head.ent_type_ in _PLACE_ENTS and all(t.ent_type_ in _PLACE_ENTS for t in words):
        # "Israel rejected ...", "Washington calls ...": a country or capital as the speaker, never a dateline
        # ("PERTH"), the place of another phrase, or a place picked up as the noun before the cue
        # ("North Korea has moved to deny": the subject of the verb the cue depends on); an outlet tagged as a
        # facility ("As-Safir reported") speaks as well
        subject = head.head if head.dep_ == "appos" else head  # "the newspaper, As-Safir, reported"
        own_subject = (
            (subject.head == cue and subject.dep_ in ("nsubj", "nsubjpass"))
            or (cue.dep_ == "xcomp" and subject.head == cue.head and subject.dep_ == "nsubj")
            or cue.lower_ in ("according", "per")
        )
        after = doc[span[1]] if span[1] < len(doc) else None
        # "PERTH, Australia --"; never "According to KCTV-5, ..." (a call sign the tagger took for a place)
        dateline = (
            head.is_upper and after is not None and (after.text in _DASHES or after.text == ",") and cue.lower_ not in ("according", "per")
        )
        return head.ent_type_ in ("GPE", "FAC") and own_subject and not dateline
    if head.pos_ == "PROPN" or head.ent_type_ in ("PERSON", "ORG", "NORP", "GPE", "WORK_OF_ART", "PRODUCT", "EVENT", "LAW"):
        return True
    if head.lemma_.lower() in lex.agent_nouns or low in lex.agent_nouns:
        return True
    if any(c.dep_ == "appos" and (c.ent_type_ == "PERSON" or c.pos_ == "PROPN") for c in head.children):
        return True  # "Michael Phelps' self-proclaimed girlfriend Taylor Lianne Chandler"
    if head.pos_ == "NOUN" and _PERSON_SUFFIX.search(low):
        return True
    # a name the tagger took for a common noun or a number: "Proceso", "iGen.fr", "inserbia.info", or
    # "Woods said ..." opening a sentence where the text names "Tiger Woods" elsewhere
    named_elsewhere = head.text[:1].isupper() and any(
        t.text == head.text for e in doc.ents if e.label_ in ("PERSON", "ORG") and not e.start <= head.i < e.end for t in e
    )
    return head.pos_ not in ("DET", "ADV", "VERB", "AUX", "PRON") and (
        (head.text[:1].isupper() and head.i > head.sent.start)
        or named_elsewhere
        or any(c.isupper() for c in head.text[1:])
        or bool(re.search(r"\w\.(com|org|net|info|fr|de|co|uk|ru|it|es|tv|io)\b", head.lower_))
    )


_CLAIM_NOUNS = {"report", "claim", "rumor", "rumour", "allegation", "assertion", "suggestion", "speculation", "story", "accusation"}
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ"}
_SPEECH_NOUNS = {"mention", "comment", "statement", "remark", "reference", "announcement"}
# negated, these say that the speaker does not know, not that a claim is false
_UNINFORMED = {
    "see", "hear", "know", "receive", "have", "get", "find", "remember", "notice", "learn", "detect",
    "expect", "want", "need", "hope", "wish", "like", "believe", "think", "understand", "realize", "realise", "care",
}  # fmt: skip
_INTENT = {"will", "would", "shall", "should", "can", "may", "might", "must", "wo", "ca"}  # "won't", "can't"
_LIGHT = {"be", "have", "do", "say", "tell", "make", "get", "go", "come", "take", "give", "know", "think", "include", "time", "people"}


def _content_lemmas(tokens: Iterable[Token]) -> set[str]:
    """Lemmas of the content words, without light verbs and the words for claims themselves ("the claims")."""
    return {
        t.lemma_.lower()
        for t in tokens
        if t.pos_ in _CONTENT_POS
        and not t.is_stop
        and t.lemma_.lower() not in _LIGHT
        and t.lemma_.lower() not in _CLAIM_NOUNS
        and len(t) > 2
    }


def _claim_words(doc: Doc) -> list[tuple[int, str]]:
    """(position, lemma) of the words of what reports, claims and rumours say ("rumors of her capture",
    "reports that Isis fighters have contracted Ebola")."""
    said: list[Token] = []
    for tok in doc:
        if tok.pos_ == "NOUN" and tok.lemma_.lower() in _CLAIM_NOUNS:
            for child in tok.children:
                if child.dep_ in ("acl", "ccomp", "relcl") or child.dep_ == "prep" and child.lower_ in ("of", "about", "that"):
                    said.extend(child.subtree)
    content = _content_lemmas(said)
    return [(t.i, t.lemma_.lower()) for t in said if t.lemma_.lower() in content]


_NEGATIVE_PRONOUNS = {"nothing", "nobody", "none", "noone"}
_WH_ONLY = {"what", "whatever", "which", "whichever"}


def _negated(tok: Token) -> bool:
    """A negated predicate: "was not captured", "was nowhere near", "had no role", "no photos have been
    circulated", "we have seen nothing", "was no longer a possibility"."""
    return any(
        c.dep_ == "neg"
        or (c.dep_ == "advmod" and c.lower_ in ("never", "nowhere"))
        or (c.dep_ == "advmod" and c.lower_ == "longer" and any(d.lower_ == "no" for d in c.children))
        or (c.dep_ in ("attr", "dobj", "nsubj", "nsubjpass") and any(d.dep_ == "det" and d.lower_ == "no" for d in c.children))
        or (c.dep_ in ("dobj", "nsubj", "nsubjpass") and c.lower_ in _NEGATIVE_PRONOUNS)
        for c in tok.children
    )


def _main_predicates(doc: Doc, start: int, end: int) -> list[Token]:
    """The root of a content span and the predicates coordinated with it ("she is unharmed and was not captured")."""
    root = doc[start:end].root
    preds, stack = [root], [root]
    while stack:
        for c in stack.pop().children:
            if c.dep_ == "conj" and start <= c.i < end and c.pos_ in ("VERB", "AUX"):
                preds.append(c)
                stack.append(c)
    return preds


def _asserted_negations(doc: Doc, start: int, end: int) -> list[Token]:
    """The content's negated main predicates that state something is not so, not that the speaker does not know,
    will not act, or keeps silent: "was not captured", but not "could not confirm", "would not launch an
    operation", "it's not about the money", "made no comment"."""
    lex = lexicon()
    found = []
    for pred in _main_predicates(doc, start, end):
        if not _negated(pred) or pred.lemma_.lower() in lex.speech or pred.lemma_.lower() in _UNINFORMED:
            continue  # "is not commenting", "could not confirm", "had received no confirmation": no denial
        if any(c.dep_ == "aux" and c.lemma_.lower() in _INTENT for c in pred.children):
            continue  # "would not launch an operation", "will not do the strikes alone": an intention
        if any(c.dep_ in ("nsubj", "expl") and c.lower_ in ("it", "this", "that") for c in pred.children):
            continue  # "it's not about the money"
        if any(c.dep_ in ("dobj", "attr") and c.lemma_.lower() in _SPEECH_NOUNS for c in pred.children):
            continue  # "did not make any mention of Obama", "made no comment": silence, not a denial
        found.append(pred)
    return found


_CORRECTING = {"actually", "really", "even", "certainly", "definitely", "absolutely"}


def _not(pred: Token) -> bool:
    """Negated by "not" or "never" ("is not serving", "has never been"), not by a negative pronoun ("nothing had
    changed", "no one was hurt"), which states a fact more often than it answers a claim."""
    return any(c.dep_ == "neg" or c.dep_ == "advmod" and c.lower_ == "never" for c in pred.children)


def _corrects(negations: list[Token]) -> bool:
    """A negation that corrects what was believed: "Kenny is actually not broke", "the actor doesn't even live at
    the reported address", "he didn't really make $72 million", "is in fact not his wife"."""
    for pred in negations:
        for c in pred.children:
            if (
                c.dep_ == "advmod"
                and c.lower_ in _CORRECTING
                and (c.lower_ != "even" or any(n.dep_ == "neg" and n.i < c.i for n in pred.children))
            ):
                return True  # "doesn't even live", but not "even his money was not enough"
            if c.dep_ == "prep" and c.lower_ == "in" and any(g.lower_ == "fact" for g in c.children):
                return True
    return False


def _negates_claim(negations: list[Token], start: int, end: int, claimed: Callable[[], set[str]]) -> bool:
    """Does the content (`start`:`end`, its `_asserted_negations`) negate what was claimed before? A negated main
    predicate whose own words (not its subject) were in an earlier report or claim: "was not captured" after
    "reported that she was captured"."""
    for pred in negations:
        core = [pred]
        for c in pred.children:
            if c.dep_ in ("attr", "acomp", "oprd", "dobj"):  # "is not his wife"
                core += [c] + [g for g in c.children if g.dep_ in ("compound", "poss")]
            elif c.dep_ in ("prep", "agent"):  # "not married to Baghdadi"
                core += [g for g in c.children if g.dep_ == "pobj"]
            elif c.dep_ == "advmod" and c.lower_ in ("nowhere", "never"):  # "nowhere near Kobane"
                core += [g for p in c.children if p.dep_ == "prep" for g in p.children if g.dep_ == "pobj"]
        # the same proposition: its subject too was in the claim, unless it is a pronoun ("she was not captured")
        subjects = [t for c in pred.children if c.dep_ in ("nsubj", "nsubjpass") for t in c.subtree if start <= t.i < end]
        subject_words = _content_lemmas(subjects)
        words = _content_lemmas(t for t in core if start <= t.i < end)
        if words and words & claimed() and (not subject_words or subject_words & claimed()):
            return True
    return False


def _reports_denial(doc: Doc, start: int, end: int, lex: Lexicon) -> bool:
    """The content itself reports a denial: "said the ministry had denied the reports", "said accounts of Isis
    supporters were denying the reports" (a denial verb as a predicate of the content, not negated, not asked
    or wished: "asked whether he would deny it" is none)."""
    for tok in doc[start:end]:
        if tok.pos_ != "VERB" or tok.lemma_.lower() not in lex.denial or _negated(tok):
            continue
        objects = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        if objects and not any(o.lemma_.lower() in _CLAIM_NOUNS | {"it", "this", "that", "them"} for o in objects):
            continue  # "rejected U.S. efforts to talk": an offer turned down, not a claim denied
        clause = [tok, *[a for a in tok.ancestors if start <= a.i < end]]
        if _wished(clause):
            continue
        if any(c.dep_ == "aux" and c.lemma_.lower() in _INTENT for c in tok.children):
            continue  # "would deny", "could dismiss": not a denial made
        return True
    return False


def _called_false(cue: Token, lex: Lexicon) -> bool:
    """What the content was called, when the content is the passive subject: "a rumour ... has been called
    'rubbish' by his publicist", "the reports were dismissed as baseless" (the predicate is outside the content)."""
    complements = [c for c in cue.children if c.dep_ in ("oprd", "acomp", "xcomp")]
    complements += [g for c in cue.children if c.dep_ == "prep" and c.lower_ == "as" for g in c.children if g.dep_ == "pobj"]
    doc = cue.doc
    return any(lex.falsity.search(doc[c.left_edge.i : c.right_edge.i + 1].text.replace("’", "'")) for c in complements)


def _negation_rebuts(doc: Doc, start: int, end: int) -> bool:
    """A negated main predicate ("insisted the woman was not married to him")."""
    return any(_negated(p) for p in _main_predicates(doc, start, end))


def _quote_start(doc: Doc, text: str, quoted: list[bool], c_start: int, sent: Span) -> int:
    """A quotation that opened in an earlier sentence of the paragraph ('"A. B," he said.'): its first token."""
    i = doc[c_start].idx
    if not quoted[i]:
        return c_start
    while i > 0 and quoted[i - 1]:
        i -= 1
    opening = i - 1
    if opening < 0 or opening >= sent.start_char or "\n\n" in text[opening : sent.start_char]:
        return c_start
    span = doc.char_span(opening, opening + 1, alignment_mode="expand")
    return span.end if span is not None and span.end < c_start else c_start  # the first word after the mark


# "was now believed to be", "is also thought to have", "jihadists believed to be loyal": hedges with a word between
_HEDGED_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|been|being)\s+(?:\w+\s+)?(?:said|believed|thought|reported|rumou?red|alleged|understood)\s+to\b"
    r"|\b(?:believed|thought|rumou?red)\s+to\s+(?:be|have)\b",
    re.IGNORECASE,
)
# "isn't necessarily completely accurate", "was not entirely true"
_NOT_TRUE = re.compile(r"(?:\bnot|n't)\s+(?:\w+ly\s+){1,2}(?:true|accurate|correct)\b", re.IGNORECASE)
# "have not at this time seen any evidence that corroborates the claim", "never found any proof"
_NO_EVIDENCE = re.compile(
    r"(?:\bnot|n't|\bnever)\s+(?:\w+\s+){0,4}?(?:seen|found|received|uncovered)\s+any\s+(?:\w+\s+)?(?:evidence|proof)\b", re.IGNORECASE
)
# "it was unlikely Kim had been usurped", "that seems highly unlikely" (not "the deal is unlikely to pass": a forecast)
_UNLIKELY = re.compile(r"\b(?:it|this|that)\s*(?:is|was|'s|seems|seemed|looks)\s+(?:\w+ly\s+)?unlikely\b(?!\s+to\b)", re.IGNORECASE)
_WISHING_VERBS = {"hope", "wish", "fear", "wonder", "ask", "doubt", "pretend"}
_WISHING = _WISHING_VERBS | {"if", "whether"}


def _inflections(verb: str) -> set[str]:
    """ "hope" -> hopes, hoped, hoping; "wish" -> wishes, wished, wishing; "ask" -> asks, asked, asking."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return {verb + ("es" if verb.endswith(("sh", "ch", "s", "x")) else "s"), stem + "ed", stem + "ing"}


# the verbs' inflected forms too: the small model lemmatises "hoped" as "hop"
_WISHING_FORMS = {form for w in _WISHING_VERBS for form in _inflections(w)}


def _wished(clause: list[Token]) -> bool:
    """Is one of these predicates hoped, asked or pretended rather than asserted ("I hope that it isn't true",
    "asked whether he would deny it", "pretended he was alive")?"""
    return any(
        a.lemma_.lower() in _WISHING or a.lower_ in _WISHING_FORMS or any(c.dep_ == "mark" and c.lower_ in _WISHING for c in a.children)
        for a in clause
    )


def _says_false(doc: Doc, start: int, end: int, content: str, lex: Lexicon) -> bool:
    """A falsity marker in the content ("not true", "isn’t true", "a hoax"), unless it sits in a clause
    that hopes or asks ("I hope that it isn’t true", "whether the report is false")."""
    offset = doc[start].idx
    text = content.replace("’", "'")
    matches = [m for pattern in (lex.falsity, _NOT_TRUE, _NO_EVIDENCE, _UNLIKELY) for m in pattern.finditer(text)]
    for m in matches:
        if m.group(0).lower().endswith("wrong") and re.match(r"\s+(?:to|for)\b", text[m.end() :]):
            continue  # "it was wrong for the US to deliver supplies", "was wrong to resign": a judgement, not a denial
        span = doc.char_span(offset + m.start(), offset + m.end(), alignment_mode="expand")
        if span is None:
            return True
        clause = [a for a in span.root.ancestors if start <= a.i < end] + [span.root]
        if not _wished(clause):
            return True
    return False


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
    text = doc.text
    quoted = quoted_mask(text)
    claimed: set[str] = set()  # words of what earlier attributions said
    claim_words: list[tuple[int, str]] | None = None

    def claims_before(said: set[str], position: int) -> set[str]:  # computed once per document, when a negation needs it
        nonlocal claim_words
        if claim_words is None:
            claim_words = _claim_words(doc)
        return said | {lemma for i, lemma in claim_words if i < position}

    for s_index, sent in enumerate(sentences):
        taken: set[int] = set()
        for tok in sent:
            if quoted[tok.idx]:
                continue  # speech reported inside a quotation belongs to the quoted speaker's statement
            found = (
                _according_to(tok, sent)
                or _per(tok, sent)
                or _noun_cue(tok, sent, lex)
                or _quoted_as_saying(tok, sent, lex)
                or _speech_verb(tok, sent, lex)
                or (_headline_cue(tok, sent, lex) if tok.is_title and tok.lower_.endswith("s") else None)
            )
            if found is None or found.cue_token.i in taken:
                continue
            reads = found.cue_token.lemma_.lower() == "read"  # a sign or caption, vetted by _reads_quote
            if found.source is not None and not reads and not _is_agent(doc, found.source, found, lex):
                past = _past_dateline(doc, found.source)
                if past is None or not _is_agent(doc, past, found, lex):
                    continue  # "The ceasefire held, both noted": no speaker
                found = replace(found, source=past)
            c_start, c_end = _trim(doc, *found.content)
            if c_start >= c_end or not _worded(doc, range(c_start, c_end)):
                split = _split_quote(doc, quoted, sent, found)
                if split is None:
                    continue  # a cue with no content is no attribution ("the priest described")
                c_start, c_end = split
            if c_end - c_start == 1 and doc[c_start].lower_ in _WH_ONLY:
                continue  # "than what it estimated", "call it whatever you want": the content is said elsewhere, or nothing
            if found.cue_token.i >= c_end and c_start == sent.start:
                c_start = _quote_start(doc, text, quoted, c_start, sent)  # '"A. B," he said': the whole quotation
            taken.add(found.cue_token.i)
            src_start, src_end, source = _char(doc, found.source)
            role = _char(doc, _appositive_role(doc, found.source) if found.source is not None else None)[2] or None
            cue_start, cue_end, cue = _char(doc, found.cue)
            con_start, con_end, content = _char(doc, (c_start, c_end))
            ch = _char(doc, found.channel)
            lemma = found.lemma or found.cue_token.lemma_.lower()
            phrasal = cue.lower().split()
            phrasal_key = f"{lemma} {phrasal[-1]}" if len(phrasal) > 1 else ""
            # hedges in the speaker's own quoted words ("unverified and ridiculous") do not hedge the report
            sent_text = "".join(" " if quoted[sent.start_char + i] else ch_ for i, ch_ in enumerate(sent.text))
            hedged = found.passive_hedge or bool(lex.hedge_markers.search(sent_text) or _HEDGED_PASSIVE.search(sent_text))
            negations = _asserted_negations(doc, c_start, c_end)
            denial = (
                lemma in lex.denial
                or phrasal_key in lex.denial_phrasal
                or (lemma == "echo" and "denial" in cue.lower())
                or (lemma == "cast" and "doubt" in cue.lower())  # "cast doubt on the claims": the claims are questioned
                or _called_false(found.cue_token, lex)
                or _says_false(doc, c_start, c_end, content, lex)
                or _reports_denial(doc, c_start, c_end, lex)
                or (lemma in lex.rebuttal_cues and bool(lex.rebuttal_markers.search(content)))
                or (lemma in lex.negation_rebuttal_cues and _negation_rebuts(doc, c_start, c_end))
                or (lemma in lex.confirmation and bool(negations))  # confirmed it is not so
                or _corrects(negations)
                # a story that opens on a source saying something is not so answers a rumour: "Tiger Woods is not
                # serving a suspension, his agent stated"
                or (s_index == 0 and any(_not(p) for p in negations))
                or _negates_claim(negations, c_start, c_end, partial(claims_before, claimed, sent.start))
            )
            claimed |= _content_lemmas(doc[c_start:c_end])
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
                    source_role=role,
                )
            )
    return _resolve_sources(doc, out, lex, sentences)


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
        while start > 0 and doc[start - 1].dep_ in ("compound", "amod") and start <= doc[start - 1].head.i < best.end:
            start -= 1  # "Interior" before "Minister" before the name
        return doc[start : best.end].text
    return best.text


_MALE = {"he", "him", "his", "mr", "sir", "lord", "king", "prince", "father", "son", "brother", "husband", "man", "boy", "spokesman"}
_MALE |= {"chairman", "congressman", "councilman", "policeman", "uncle", "nephew", "monk", "bishop", "pope"}
_FEMALE = {"she", "her", "mrs", "ms", "miss", "lady", "queen", "princess", "mother", "daughter", "sister", "wife", "woman", "girl"}
_FEMALE |= {"spokeswoman", "chairwoman", "congresswoman", "councilwoman", "policewoman", "actress", "abbess", "nun", "aunt", "niece"}


def _gender(text: str, known: dict[str, str]) -> str | None:
    """ "m", "f" or None for a mention: what "he"/"she" resolved to before, or a title or noun in it ("Mr", "spokeswoman")."""
    if text in known:
        return known[text]
    words = {w.strip(".").lower() for w in text.split()}
    if words & _MALE and not words & _FEMALE:
        return "m"
    if words & _FEMALE and not words & _MALE:
        return "f"
    return None


def _agreeing(candidates: list[tuple[int, str]], pronoun: str, known: dict[str, str]) -> list[tuple[int, str]]:
    """Candidates for "he"/"she" that agree in gender: never one known to be of the other; for "she", the
    nearest one known to be female when there is one (most unmarked speakers in news copy are "he")."""
    want = "f" if pronoun in ("she", "her") else "m"
    agreeing = [c for c in candidates if _gender(c[1], known) in (want, None)]
    female = [c for c in agreeing if _gender(c[1], known) == "f"]
    return female if want == "f" and female else agreeing


def _person_mentions(doc: Doc, before: int, lex: Lexicon) -> list[tuple[int, str]]:
    """Singular noun phrases for a person ("a sitting U.S. Representative") that end before char `before`."""
    mentions = []
    for chunk in doc.noun_chunks:
        if chunk.end_char > before:
            break
        if chunk.root.tag_ in ("NN", "NNP") and chunk.root.lemma_.lower() in lex.person_nouns:
            mentions.append((chunk.start_char, chunk.text))
    return mentions


def _previous_subject(sentences: list[Span], index: int) -> tuple[int, str] | None:
    """The person who is the subject of the sentence before ("Pressler has also defended the story.")."""
    if index < 1 or index > len(sentences):
        return None
    before = sentences[index - 1]
    if any(q in before.text for q in QUOTES + "‘’"):
        return None  # a quoted sentence names people in the speaker's words, not the next speaker
    subject = next((c for c in before.root.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.ent_type_ != "PERSON":
        return None
    start = subject.i
    while (
        start > before.start and subject.doc[start - 1].dep_ == "compound" and subject.doc[start - 1].head.i in range(start, subject.i + 1)
    ):
        start -= 1  # "Mr Madden", "Jessica Pressler"
    return subject.doc[start].idx, subject.doc[start : subject.i + 1].text


def _resolve_sources(doc: Doc, attributions: list[Attribution], lex: Lexicon, sentences: list[Span]) -> list[Attribution]:
    """'he said' -> the nearest earlier person source (or PERSON entity); 'it said' -> the nearest earlier
    organisation; 'they' -> the nearest earlier plural source; role nouns -> the earlier named mention.
    First-person and unresolvable 'it' sources are dropped: they are quotation leftovers, not speakers."""
    previous: list[tuple[int, str, bool, bool, bool]] = []  # (char offset, text, plural, person, organisation)
    people = [(e.start_char, e.text) for e in doc.ents if e.label_ == "PERSON"]
    genders: dict[str, str] = {}  # what "he"/"she" was resolved to so far: "m" or "f"
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
                if not candidates:  # "called a sitting U.S. Representative a liar after he went on television"
                    candidates = _person_mentions(doc, a.source_start, lex)
                subject = _previous_subject(sentences, a.sentence_index)
                if subject is not None and (not candidates or subject[0] > max(candidates)[0]):
                    candidates.append(subject)  # "Pressler has also defended the story. She tweeted ..."
                candidates = _agreeing(candidates, low, genders)
            if candidates:
                _, text = max(candidates)
                text = re.sub(r"\s*['’]s$", "", text)  # "Dylan Thomas's stomach" names Dylan Thomas
                a.resolved_from, a.source = a.source, text
                if low not in ("it", "they", "them"):
                    genders[text] = "f" if low in ("she", "her") else "m"
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
