"""Tracking: claim status rules, dossiers, discovery, exports, and the Emergent evaluation."""
