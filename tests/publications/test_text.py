from publications.text import neutral_bio, year_span


def test_neutral_bio_states_only_imported_facts_in_words():
    assert neutral_bio(
        name="Dong Lin",
        works_count=9,
        topics=[("Machine Learning", "cs.LG"), ("Information Retrieval", "cs.IR")],
        first_year=2020,
        last_year=2026,
        current_year=2026,
    ) == (
        "Dong Lin has 9 works on arXiv since 2020, mostly in Machine Learning (cs.LG) and "
        "Information Retrieval (cs.IR)."
    )
    # The record the walk-through found: "mostly in cs.PF, cs.CR, 2007."
    assert neutral_bio(
        name="Mohamed Kaâniche",
        works_count=5,
        topics=[("Performance", "cs.PF"), ("Cryptography and Security", "cs.CR")],
        first_year=2007,
        last_year=2007,
        current_year=2026,
    ) == (
        "Mohamed Kaâniche has 5 works on arXiv in 2007, mostly in Performance (cs.PF) and "
        "Cryptography and Security (cs.CR)."
    )
    assert (
        neutral_bio(
            name="A. B",
            works_count=1,
            topics=[("High Energy Physics - Theory", "hep-th")],
            first_year=1999,
            last_year=1999,
            current_year=2026,
        )
        == "A. B has 1 work on arXiv in 1999, in High Energy Physics - Theory (hep-th)."
    )
    assert (
        neutral_bio(
            name="C. D",
            works_count=12,
            topics=[("Astrophysics", "astro-ph")],
            first_year=2003,
            last_year=2010,
            current_year=2026,
        )
        == "C. D has 12 works on arXiv (2003–2010), mostly in Astrophysics (astro-ph)."
    )
    assert neutral_bio(name="A. B", works_count=0, topics=[], current_year=2026) == (
        "A. B appears as an author on arXiv."
    )


def test_year_span():
    assert year_span(2007, 2007, current_year=2026) == "in 2007"
    assert year_span(2007, 2025, current_year=2026) == "since 2007"
    assert year_span(2003, 2010, current_year=2026) == "2003–2010"
    assert year_span(None, None, current_year=2026) == ""
