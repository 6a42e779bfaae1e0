import pytest

from publications.names import display_form, name_key, slug_for_key, split_slug


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lin, Dong", "Dong Lin"),
        ("Dóng  Lin", "dong lin"),
        ("C.-P. Yuan", "C. P. Yuan"),
        ("Jørgensen, Uffe", "Uffe Jorgensen"),
        ("Paweł Łukasik", "Pawel Lukasik"),
        ("Müller-Lüdenscheid", "muller ludenscheid"),
    ],
)
def test_variants_of_one_name_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("D. Lin", "Dong Lin"), ("Dong Lin", "Lin Dong"), ("A. Smith", "B. Smith")]
)
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_suffix_after_comma_is_not_a_last_name():
    assert display_form("John Smith, Jr.") == "John Smith, Jr."
    assert display_form("Smith,  John") == "John Smith"


def test_non_latin_names_keep_their_letters():
    assert name_key("王 小明") == "王 小明"
    assert slug_for_key(name_key("王 小明")) == "王-小明"


def test_slugs():
    assert slug_for_key("dong lin") == "dong-lin"
    assert slug_for_key("") == "author"
    assert split_slug("dong lin", 2) == "dong-lin--2"
