"""The lab: training, export, evaluation and benchmarks, kept apart from the runtime stages.

Nothing on the serving or pipeline path imports from here; `claimwatch train|bench` commands do.
"""
