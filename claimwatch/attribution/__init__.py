"""Attribution stage: who said what (source, cue, content), hedged, denied or confirmed."""

from claimwatch.attribution.extract import extract_attributions

__all__ = ["extract_attributions"]
