from profiles.text import neutral_bio


def test_neutral_bio_states_only_imported_facts():
    assert neutral_bio(name="Dong Lin", works_count=9, topic_codes=["cs.LG", "cs.IR"],
                       first_year=2020, last_year=2026) == (
        "Dong Lin has 9 works on arXiv, mostly in cs.LG, cs.IR, 2020–2026.")
    assert neutral_bio(name="A. B", works_count=1, topic_codes=["hep-th"], first_year=1999,
                       last_year=1999) == "A. B has 1 work on arXiv, mostly in hep-th, 1999."
    assert neutral_bio(name="A. B", works_count=0, topic_codes=[]) == "A. B appears as an author on arXiv."
