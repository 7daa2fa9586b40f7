"""Attribution stage: who said what (source, cue, content), hedged, denied or confirmed.

`extract` and `analyze` need spaCy; `lexicon` does not (serving imports only that)."""
