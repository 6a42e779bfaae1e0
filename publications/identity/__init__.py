"""The author identity engine: which printed author names are the same researcher.

Pure code (no ORM): ``names`` (folding, blocking keys, name compatibility), ``evidence`` (pair
features between authorships), ``model`` (the pair model and its stored coefficients),
``cluster`` (conservative clustering inside a block) and ``metrics`` (pairwise and B-cubed
figures on labelled data). ``publications.identity_service`` applies the result to the database.
"""
