"""Names in the answers: organisations however written, tools and suppliers in prose."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

NAME_MAX = 200  # an organisation's, a tool's or a supplier's name

# --- words: organisations, tools, suppliers ---------------------------------------------------------


def _ascii(text: str) -> str:
    text = text.replace("’", "'").replace("&", " and ")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


ORG_PHRASES = ("london borough of", "royal borough of", "metropolitan borough of", "city and county of")
ORG_STOPWORDS = frozenset(
    [
        "council",
        "city",
        "county",
        "borough",
        "metropolitan",
        "district",
        "cc",
        "mbc",
        "bc",
        "dc",
        "cbc",
        "of",
        "the",
        "royal",
        "corporation",
        "authority",
        "local",
        "unitary",
        "la",
    ]
)
ORG_ALIASES = {
    "hull": "kingston upon hull",
    "newcastle": "newcastle upon tyne",
    "bcp": "bournemouth christchurch and poole",
    "banes": "bath and north east somerset",
    "bath and ne somerset": "bath and north east somerset",
    "richmond": "richmond upon thames",
    "kingston": "kingston upon thames",
    "southend": "southend on sea",
    "stockton": "stockton on tees",
    "brighton": "brighton and hove",
    "windsor": "windsor and maidenhead",
    "saint helens": "st helens",
}


def organisation_key(name: str) -> str:
    """'Leeds CC', 'Leeds City Council' and 'Leeds' -> 'leeds'; 'Bristol, City of' -> 'bristol'."""
    text = _ascii(name)
    text = re.sub(r"\((?:fictional|the)\)", " ", text)
    for phrase in ORG_PHRASES:
        text = text.replace(phrase, " ")
    text = re.sub(r"\bst\.?(?=\s)", "st", text)
    words = [w for w in re.sub(r"[^a-z0-9]+", " ", text).split() if w not in ORG_STOPWORDS]
    key = " ".join(words).replace("saint ", "st ")
    return ORG_ALIASES.get(key, key)


def closest_names(name: str, names_by_key: Mapping[str, str], n: int = 3) -> list[str]:
    """The reference names nearest to an unmatched one ("Sheffeld" -> Sheffield), by key."""
    import difflib

    close = difflib.get_close_matches(organisation_key(name), list(names_by_key), n=n, cutoff=0.6)
    return [names_by_key[k] for k in close]


VENDORS = {"microsoft": "Microsoft", "google": "Google", "amazon": "Amazon", "aws": "Amazon", "openai": "OpenAI"}
GENERIC_TRAILING = frozenset({"app", "tool", "tools", "software", "platform", "system", "ai", "solution"})


def compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text))


def tool_key(name: str) -> str:
    """'NoteCraft', 'Note Craft', 'Notecraft app' -> 'notecraft'; 'Microsoft Copilot' -> 'copilot'."""
    words = re.sub(r"[^a-z0-9]+", " ", _ascii(name)).split()
    while len(words) > 1 and words[-1] in GENERIC_TRAILING:
        words.pop()
    if len(words) > 1 and words[0] in VENDORS:
        words.pop(0)
    return "".join(words)


COMPANY_SUFFIXES = re.compile(r"\b(ltd|limited|plc|llp|inc|co|company|group|uk)\b\.?")


def supplier_key(name: str) -> str:
    return compact(COMPANY_SUFFIXES.sub(" ", _ascii(name)))


# Words that start a capitalised run without being a tool's name.
NAME_STOPWORDS = frozenset(
    [
        "we",
        "i",
        "our",
        "the",
        "this",
        "these",
        "those",
        "it",
        "they",
        "a",
        "an",
        "in",
        "at",
        "for",
        "and",
        "but",
        "also",
        "yes",
        "no",
        "currently",
        "both",
        "all",
        "some",
        "most",
        "using",
        "use",
        "each",
        "staff",
        "practitioners",
        "social",
        "children",
        "children's",
        "local",
        "authority",
        "council",
        "la",
        "dfe",
        "csc",
        "ai",
        "it's",
        "there",
        "when",
        "where",
        "which",
        "who",
        "what",
        "how",
        "if",
        "as",
        "on",
        "to",
        "from",
        "by",
        "with",
        "via",
    ]
)
FILLER = re.compile(
    r"^\s*(?:(?:we|i|they|our\s+(?:la|authority|council|teams?|staff|service|practitioners))\s+)?"
    r"(?:(?:currently|also|now|have|had|recently|already)\s+)*"
    r"(?:use|uses|using|used|have|has|are\s+using|piloted|trialled|trialed|tried|tested|rolled\s+out|procured|"
    r"bought|introduced|implemented|deployed|adopted|built|developed|created|designed)\b\s*",
    re.IGNORECASE,
)
CALLED = re.compile(r"\b(?:called|named|known\s+as)\s+[\"“‘']?([A-Z0-9][\w'’.+-]*(?:\s+[A-Z0-9][\w'’.+-]*){0,4})")
SUPPLIER_AFTER = re.compile(
    r"\b(?:from|by|provided\s+by|supplied\s+by|developed\s+by|made\s+by)\s+"
    r"((?:[A-Z0-9][\w'’&.-]*)(?:\s+(?:[A-Z0-9][\w'’&.-]*|and|&))*)"
)
TOKEN = re.compile(r"[A-Za-z0-9][\w'’.+-]*")


def _capitalised_runs(text: str) -> list[str]:
    runs: list[list[str]] = [[]]
    for match in TOKEN.finditer(text):
        token = match.group(0).rstrip(".'’")
        gap = text[match.start() - 1] if match.start() else " "
        capital = token[:1].isupper() or token[:1].isdigit()
        if capital and (not runs[-1] or gap in " -") and len(runs[-1]) < 5:
            runs[-1].append(token)
        else:
            if runs[-1]:
                runs.append([])
            if capital:
                runs[-1].append(token)
    found = []
    for run in runs:
        while run and run[0].lower() in NAME_STOPWORDS:
            run = run[1:]
        while run and run[-1].lower() in NAME_STOPWORDS:
            run = run[:-1]
        if run and not (len(run) == 1 and run[0].isdigit()):
            found.append(" ".join(run))
    return found


@dataclass
class Mention:
    """A tool named in an answer: its name, its supplier if given, and the words around it."""

    name: str
    supplier: str | None
    text: str


def split_segments(text: str) -> list[str]:
    """An answer cut where a new tool is likely named: semicolons, lines, sentences, and commas
    or 'and' followed by a capital letter, never inside brackets."""
    segments, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif depth == 0:
            cut = None
            if ch in ";\n•":
                cut = 1
            else:
                rest = text[i:]
                m = re.match(r"(?:,\s+and\s+|,\s+|\.\s+|\s+and\s+|\s+as\s+well\s+as\s+)(?=[A-Z])", rest)
                if m and (ch in ",." or ch.isspace()):
                    cut = len(m.group(0))
            if cut:
                segments.append(text[start:i])
                i += cut
                start = i
                continue
        i += 1
    segments.append(text[start:])
    return [s.strip(" \t\r\n-*•,.") for s in segments if s.strip(" \t\r\n-*•,.")]


BRACKET_TOOL_SUPPLIER = re.compile(
    r"^\s*(?P<tool>[A-Z0-9][^,()]*?)\s*(?:,\s*|\s+)(?:from|by|provided\s+by|supplied\s+by|made\s+by)\s+"
    r"(?P<supplier>[A-Z0-9].*?)\s*$"
)
POSSESSIVE = re.compile(
    r"\b(?P<supplier>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})['’]s\s+"
    r"(?P<tool>[A-Z0-9][\w'’.+-]*(?:\s+[A-Z0-9][\w.+-]*){0,3})"
)


def _bracketed(body: str) -> tuple[str | None, str | None, str | None]:
    """(tool, supplier, a bare name) from brackets: "(DraftRight, from Lexicore)" names both,
    "(from Acme)" the supplier, and "(Acme)" a bare name: the supplier when the prose names the
    tool ("Copilot (Microsoft)"), else the tool ("a note app (NoteCraft)")."""
    for inner in (i.strip() for i in re.findall(r"\(([^()]*)\)", body)):
        both = BRACKET_TOOL_SUPPLIER.match(inner)
        if both and len(inner) <= 160:
            return both.group("tool").strip(" .,"), both.group("supplier").strip(" .,"), None
        owned = POSSESSIVE.fullmatch(inner)
        if owned:
            return owned.group("tool").strip(" .,"), owned.group("supplier").strip(" .,"), None
        clean = re.sub(r"^\s*(?:from|by|provided by|supplied by)\s+", "", inner, flags=re.I)
        if clean != inner and clean[:1].isupper() and len(clean) <= 100:
            return None, clean, None
        if clean[:1].isupper() and len(clean) <= 100:
            return None, None, clean
    return None, None, None


def _segment_supplier(body: str) -> str | None:
    """The supplier a segment names outside brackets: "Lexicore's DraftRight", or after "from"/"by"."""
    owned = POSSESSIVE.search(re.sub(r"\([^()]*\)", " ", body))
    if owned:
        return owned.group("supplier")
    after = SUPPLIER_AFTER.search(body)
    if after:
        return " ".join(_capitalised_runs(after.group(1))[:1]) or None
    return None


def _segment_tool_name(plain: str, known: Mapping[str, str], supplier: str | None) -> str | None:
    """A name the catalogue already knows, written anywhere in the segment; else a name it gives."""
    words = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", _ascii(plain)).split()) + " "
    for key, known_name in known.items():
        spelled = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", _ascii(known_name)).split()) + " "
        if len(key) >= 3 and (spelled in words or f" {key} " in words):
            return known_name
    called = CALLED.search(plain)
    runs = [called.group(1)] if called else _capitalised_runs(plain)
    if supplier:
        runs = [r for r in runs if supplier_key(r) != supplier_key(supplier)] or runs
    return runs[0] if runs else None


def find_mentions(text: str, known: Mapping[str, str]) -> list[Mention]:
    """Tools named in free text. `known` maps tool keys to names the catalogue already holds."""
    mentions: list[Mention] = []
    for segment in split_segments(text):
        body = FILLER.sub("", segment, count=1)
        plain = re.sub(r"\([^()]*\)", " ", body)
        tool, supplier, bare = _bracketed(body)
        if tool is None:
            owned = POSSESSIVE.search(plain)
            if owned:
                tool, supplier = owned.group("tool"), owned.group("supplier")
        if supplier is None and tool is None:
            supplier = _segment_supplier(body)
        name = tool or _segment_tool_name(plain, known, supplier)
        if name is None and bare is not None:
            name = bare  # the prose names no tool: the bracket does
        elif bare is not None and supplier is None:
            supplier = bare
        if name is None:
            if mentions:  # words about the tool named before
                mentions[-1].text += ". " + segment
            continue
        name = name.strip(" .,:;'’\"")[:80]
        if supplier is None and name.split()[0].lower() in VENDORS:
            supplier = VENDORS[name.split()[0].lower()]
        mentions.append(Mention(name=name, supplier=(supplier or None), text=segment))
    # One mention per tool.
    unique: dict[str, Mention] = {}
    for mention in mentions:
        key = tool_key(mention.name)
        if key in unique:
            unique[key].text += ". " + mention.text
        elif key:
            unique[key] = mention
    return list(unique.values())


def own_tool_name(text: str, organisation: str) -> str:
    """A name for a tool an organisation built: the one it gave, else its description, shortened."""
    called = CALLED.search(text)
    if called:
        return called.group(1).strip(" .,")[:80]
    first = re.split(r"(?<=[.!?])\s|\n|;", text.strip(), maxsplit=1)[0]
    body = FILLER.sub("", first, count=1).strip(" .,")
    body = re.sub(r"^(?:a|an|the|our|its)\s+", "", body, flags=re.I)
    if not body:
        return f"Tool developed by {organisation}"[:NAME_MAX]
    clause = re.split(r"\s(?:to|that|which|so|where|with)\s|,\s", body, maxsplit=1)[0]
    if len(clause) >= 12:
        body = clause
    if len(body) > 70:
        body = body[:70].rsplit(" ", 1)[0] + "…"
    return body[:1].upper() + body[1:]
