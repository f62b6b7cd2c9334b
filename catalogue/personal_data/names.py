"""Given names, read from the public name dictionary that ships inside the gender-guesser package
(Jörg Michael's `nam_dict.txt`, about 40,000 first names from many countries, GNU FDL). Only the
names are kept (a frozenset of lower-case strings, a few MB), read once on first use; nothing is
fetched from the network."""

from __future__ import annotations

from functools import cache
from importlib import resources

# Names that are also everyday words a sentence can start with or that label things in this
# field; as a "name" they would make "Phase, 2" or "May 2016" look like a person.
_ORDINARY_WORDS = frozenset(
    """
    age am are be boy can do done even go he here hi his in is just lane me my nan ok on one per said
    so take than the to way you
    a an and april art august baby bill bishop case chase child dawn day dean door early easter
    english faith field foster frank fri mon sat sun thu tue wed general gift golden grant green hope hunter ivory jan january july
    june justice king lord lot love major march may mark marshall mercy miles moon more new north
    page park pat rich rose royal sky son spring star story summer sunny will winter young west
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@cache
def given_names() -> frozenset[str]:
    """Every single-word given name in the dictionary, lower case."""
    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_bytes().decode("iso-8859-1")
    names = set()
    for line in text.splitlines():
        # Data lines: gender code in columns 0-1, the name in columns 3-28, then frequencies.
        if not line or line[0] in "#=" or len(line) < 30:
            continue
        name = line[3:29].strip()
        if name and name.isalpha():
            names.add(name.lower())
    return frozenset(names)


@cache
def _strict_names() -> frozenset[str]:
    return given_names() - _ORDINARY_WORDS


def is_given_name(word: str, lenient: bool = False) -> bool:
    """True for a word spelt like a known given name ("Mia", "priya"), whatever its case; a name
    that is also an ordinary word ("Summer") counts only when `lenient`."""
    return word.lower().strip("'’") in (given_names() if lenient else _strict_names())
