"""What a contract-terms row says for the clause kinds whose answer is a value, read from the clause sentence.

A diligence table row for governing law says "New York", not the forty-word clause; agreement dates say
the date; term and renewal says the term ("perpetual", "successive 1 year", "60 days" notice, or when it
expires); parties names the parties with their defined names. The clause sentence stays the row's quote,
so the value is checked against it. These readers return None when the sentence does not state the value
plainly: the row then quotes the clause itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from reportgen.extract.local.clauses import DATE_PATTERN, DATE_RE
from reportgen.values import numbers_in

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
_MONTH_OF = {m[:3]: i for i, m in enumerate(_MONTHS, start=1)}

_PLACE = r"[A-Z][A-Za-z.'\u2019-]*(?:\s+(?:of\s+)?[A-Z][A-Za-z.'\u2019-]*){0,3}"
_LAW_RE = re.compile(
    r"\b(?i:laws?\s+(?:in\s+force\s+)?(?:of|in)\s+(?:and\s+under\s+)?(?:the\s+)?"
    r"(?:(?:State|Commonwealth|Province|Kingdom|Federal\s+Republic|Republic|Territory|Hong\s+Kong\s+Special\s+"
    r"Administrative\s+Region)\s+of\s+(?:the\s+)?)?)(?P<place>" + _PLACE + r")",
)
_PRC_RE = re.compile(r"People['\u2019]?s\s+Republic\s+of\s+China|\bPRC\b", re.IGNORECASE)
_NOT_PLACE = re.compile(r"^(?:United States(?: of America)?|U\.?S\.?A?\.?|America|Agreement|Such|Any|This|The|State|"
                        r"UNITED STATES(?: OF AMERICA)?|AGREEMENT|SUCH|ANY|THIS|THE|STATE)$")
_PLACE_END = re.compile(r"\s+(?:and|or|without|excluding|applicable|as|in|to|that|which|with|for|governing|"
                        r"regardless|except|other)\b.*$", re.IGNORECASE)
# "construed in accordance with Swiss law": the law named by its adjective
_ADJECTIVE_LAW = {"english": "England", "swiss": "Switzerland", "german": "Germany", "french": "France",
                  "italian": "Italy", "dutch": "Netherlands", "israeli": "Israel", "singapore": "Singapore",
                  "japanese": "Japan", "irish": "Ireland", "scots": "Scotland", "swedish": "Sweden",
                  "hong kong": "Hong Kong", "indian": "India", "korean": "Korea", "spanish": "Spain"}  # fmt: skip
_ADJECTIVE_RE = re.compile(r"\b(" + "|".join(_ADJECTIVE_LAW) + r")\s+laws?\b", re.IGNORECASE)
_US_RE = re.compile(r"\blaws?\s+of\s+the\s+United\s+States(?:\s+of\s+America)?\b", re.IGNORECASE)


# A Canadian province's law is given with its country, as CUAD writes it ("Province of Ontario, Canada"); "Ontario,
# Canada" agrees with a plain "Ontario" answer too (fit, with "England and Wales" below: +4 rows, 0 lost)
_PROVINCES = frozenset({"Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia",
                        "New Brunswick", "Newfoundland and Labrador", "Prince Edward Island"})


def _clean_place(raw: str) -> str:
    place = re.sub(r"\s+", " ", raw).strip(" .,'")
    if re.match(r"England and Wales\b", place, re.IGNORECASE):
        return "England and Wales"
    return _PLACE_END.sub("", place).strip(" .,'")


def governing_law(text: str) -> str | None:
    """"governed by the laws of the State of New York" -> "New York"; the first place that is not the
    United States (federal law sits beside a state's), "Switzerland" for "Swiss law", and "United States"
    when that is the only law named."""
    if _PRC_RE.search(text) and re.search(r"\blaws?\b", text, re.I):
        return "People's Republic of China"
    places = []
    for m in _LAW_RE.finditer(text):
        place = _clean_place(m.group("place"))
        if place and not _NOT_PLACE.match(place):
            places.append(place)
    if not places:
        state = re.search(r"\b(?i:State|Commonwealth|Province) of (?P<place>" + _PLACE + ")", text)
        adjective = _ADJECTIVE_RE.search(text)
        if state is not None and re.search(r"\blaws?\b", text, re.I):
            places = [_clean_place(state.group("place"))]
        elif adjective is not None:
            places = [_ADJECTIVE_LAW[" ".join(adjective.group(1).lower().split())]]
        elif _US_RE.search(text):
            places = ["United States"]
        else:
            return None
    if not places[0]:
        return None
    first = places[0].title() if places[0].isupper() else places[0]
    if first == "England" and re.search(r"\bWales\b", text):
        return "England and Wales"  # "the laws of England ... the courts of England and Wales"
    canada = re.search(r"\bCanada\b", text) and first not in ("Canada",) and "Province" in text
    return f"{first}, Canada" if canada or first in _PROVINCES else first


def _date_text(raw: str) -> str | None:
    """A date phrase as "June 21, 1999"; None when a part is left blank ("____ day of ____, 2004")."""
    if "_" in raw:
        return None
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{2,4})$", raw.strip())
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})$", raw.strip())
        if m:
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            name = re.search(r"[A-Za-z]{3,}", re.sub(r"(?i)\bday\b|\bof\b|\bst\b|\bnd\b|\brd\b|\bth\b", " ", raw))
            digits = [int(d) for d in re.findall(r"\d+", raw)]
            years = [d for d in digits if d >= 1000]
            days = [d for d in digits if d < 100]
            if not name or name.group(0)[:3].lower() not in _MONTH_OF or not years or not days:
                return None
            month, day, year = _MONTH_OF[name.group(0)[:3].lower()], days[0], years[0]
    if year < 100:
        year += 2000 if year < 50 else 1900
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{_MONTHS[month - 1].capitalize()} {day}, {year}"


_MONTH_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY_FIRST_RE = re.compile(r"(?<![\d./])(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})(?![\d./])")
# Forms whose day (or day and month) were left blank; the PDF keeps the year: "this day of , 2012",
# "June , 2010", ", 2009" at the head of a line. CUAD's answer is that phrase as written.
_BRACKET = r"\[[^\]\w]{0,3}\]"  # "[ ]", "[*]", "[\u00b7]": a redacted or blank part
_BLANK_DATE_RE = re.compile(
    r"(?:\bthis\s+)?\bday\s+of\s*(?:" + _MONTH_NAME + r"|_+)?\s*,?\s*(?:19|20)(?:\d{2}|_+)?(?!\w)"
    r"|(?:" + _BRACKET + r"\s+day\s+of\s+)?" + _BRACKET + r",\s*(?:19|20)\d{2}\b"
    r"|(?<=\bdated )" + _BRACKET +
    r"|\b" + _MONTH_NAME + r"\s+,\s*(?:19|20)\d{2}\b|^\W{0,3},\s*(?:19|20)\d{2}\b",
    re.IGNORECASE)  # fmt: skip
_MONTH_YEAR_RE = re.compile(r"\b(?P<m>" + _MONTH_NAME + r")\s+(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE)


_DAY_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
              "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
              "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third", "twenty-fourth",
              "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth", "twenty-ninth", "thirtieth",
              "thirty-first"]  # fmt: skip
_WORD_DAY_RE = re.compile(r"\b(?P<d>" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True)) + r")\s+day\s+of\s+(?P<m>"
                          + _MONTH_NAME + r"),?\s+(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE)


def _other_date(text: str) -> str | None:
    """Dates the plain pattern misses: day first ("1.4.2011", "29/3/18"), the day in words ("the first day of
    July, 2017"), a month and year ("July 2013"), and a form's blank date (as written)."""
    w = _WORD_DAY_RE.search(text)
    if w and w.group("m")[:3].lower() in _MONTH_OF:
        day = _DAY_WORDS.index(w.group("d").lower().replace(" ", "-")) + 1
        return f"{_MONTHS[_MONTH_OF[w.group('m')[:3].lower()] - 1].capitalize()} {day}, {w.group('y')}"
    for m in _DAY_FIRST_RE.finditer(text):
        d, mo, y = int(m.group("d")), int(m.group("m")), int(m.group("y"))
        if "." in m.group(0) or d > 12:
            y = y + (2000 if y < 50 else 1900) if y < 100 else y
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{_MONTHS[mo - 1].capitalize()} {d}, {y}"
    b = _BLANK_DATE_RE.search(text)
    if b:
        return " ".join(b.group(0).split()).lstrip(" ,") if b.group(0).lstrip()[:1] == "," else " ".join(
            b.group(0).split())
    m2 = _MONTH_YEAR_RE.search(text)
    if m2 and m2.group("m")[:3].lower() in _MONTH_OF:
        return f"{_MONTHS[_MONTH_OF[m2.group('m')[:3].lower()] - 1].capitalize()} {m2.group('y')}"
    return None


# A draft's header stamps the day it was typed, not the agreement's date: "DRAFT (Americas) 1/12/00 (Rev 1)".
_DRAFT_STAMP = re.compile(r"\b(?:draft|rev(?:ision|ised)?\.?|printed|version)\b[^\n]{0,30}?" + DATE_PATTERN
                          + r"(?:\s*\(rev[^)]{0,10}\))?", re.IGNORECASE)


# EDGAR's filing footer ("Source: FUSE MEDICAL, INC., 10-K, 3/21/2019") dates the filing, not the agreement.
_SOURCE_STAMP = re.compile(r"\bSource:\s[^\n]{1,80}?,\s*\d{1,2}/\d{1,2}/\d{2,4}")
_SIGNATURE = re.compile(r"\b(?:By|Name|Title|Date)\s*:|\bSignature\b|/s/", re.IGNORECASE)


def _as_stated(raw: str, d: str) -> str:
    """A date in digits as written ("11/4/10": its digits are what the quote states), else as "June 21, 1999"."""
    raw = raw.strip()
    return raw if re.fullmatch(r"[\d/-]+", raw) else d


def _last_signed(text: str) -> str | None:
    """In a signature block, the latest date (as written when in digits): an agreement signed on two days is
    made when the second party signs."""
    dated = []
    for m in DATE_RE.finditer(text):
        if (d := _date_text(m.group(0))) is not None:
            dated.append((datetime.strptime(d, "%B %d, %Y").date(), m.group(0).strip(), d))
    if len(dated) < 2:
        return None
    _, raw, d = max(dated, key=lambda t: t[0])
    return _as_stated(raw, d)


def first_date(text: str) -> str | None:
    """The first date a sentence states, as "June 21, 1999" (digits as written); a date left blank in the form
    is given as written ("____ day of ________, 2004"): that is what the agreement says. A signature block's
    date is its last (`_last_signed`), and EDGAR's footer is no date (fit fold: +3 date rows, 0 lost)."""
    text = re.sub(r"\s*-{3,}\s*", " ", text)  # "31 December,\n---------\n1996": rules typed across a date
    text = _SOURCE_STAMP.sub(" ", _DRAFT_STAMP.sub(" ", text))
    if len(_SIGNATURE.findall(text)) >= 2 and (signed := _last_signed(text)) is not None:
        return signed
    for m in DATE_RE.finditer(text):
        d = _date_text(m.group(0))
        if d:
            return _as_stated(m.group(0), d)
        if "_" in m.group(0):
            return " ".join(m.group(0).split())
    return _other_date(text)


_NUMBER_WORD = (r"(?:\w+(?:[\s-]\w+)?\s*\(\s*\d+\s*\)|\d+|(?:twenty|thirty|forty|fifty)[\s-](?:one|two|three|four|"
                r"five|six|seven|eight|nine)|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
                r"eighty|ninety|an?)")  # fmt: skip
# A period's unit, "Contract Years" and "calendar year" too ("renew for periods of one (1) calendar year each":
# fit +1 row, 0 lost)
_UNIT = r"(?:contract\s+|calendar\s+)?(?P<{}>years?|months?)"
_RENEW_RE = re.compile(
    r"\brenew\w*\b[^.;]{0,120}?\b(?P<succ>successive|additional|consecutive|further|subsequent)?\s*"
    r"(?:renewal\s+)?(?:terms?|periods?)?\s*(?:of\s+)?(?P<n>" + _NUMBER_WORD + r")\s*[-\s]?\s*" + _UNIT.format("unit"),
    re.IGNORECASE,
)
_NOTICE_RE = re.compile(
    r"(?P<n>" + _NUMBER_WORD + r")\s*(?P<unit>days?|months?)['\u2019]?\s*(?:prior\s+|advance\s+|written\s+|of\s+)*"
    r"(?:written\s+)?notice|\bnotice\b[^.;]{0,60}?\bat\s+least\s+(?P<n2>" + _NUMBER_WORD
    + r")\s*(?P<unit2>days?|months?)"
    r"|\bat\s+least\s+(?P<n3>" + _NUMBER_WORD + r")\s*(?P<unit3>days?|months?)\s+(?:prior|before)",
    re.IGNORECASE,
)
_PERPETUAL_RE = re.compile(r"\bperpetu\w*|\bindefinite(?:ly)?\b|\buntil\s+(?:terminated|such time)\b", re.IGNORECASE)
_EXPIRES_RE = re.compile(r"\b(?:expir|terminat|end|continu|remain in (?:full )?(?:force|effect)|through|until)\w*\b"
                         r"(?:[^.;]{0,60}?\b(?:on|until|through)\b)?", re.IGNORECASE)
# A period stated after these words is a renewal's or an extension's, not the initial term's: "shall automatically
# continue following the Initial Term, for an additional period of three (3) years"
_RENEWAL = re.compile(r"\b(?:renew\w*|additional|extension|extended|prolong\w*|further)\b", re.IGNORECASE)
_STARTS_RE = re.compile(r"\b(?:commenc|begin|began|start|effective)\w*\s+(?:on\s+|as\s+of\s+|from\s+)?(?:the\s+)?"
                        r"(?:" + DATE_PATTERN
                        + r"|day\s+and\s+year\s+first\s+(?:above\s+|set\s+forth\s+above\s+)?written)", re.IGNORECASE)
_EARLY = re.compile(r"\b(?:earlier|sooner|early|unless)\s*$", re.IGNORECASE)
_DURATION_RE = re.compile(r"\b(?:years?|months?|days?|weeks?)\b", re.IGNORECASE)


def _count(phrase: str) -> int | None:
    values = sorted(numbers_in(phrase.replace("-", " ")))
    if re.fullmatch(r"an?", phrase.strip(), re.IGNORECASE):
        return 1
    return int(values[-1]) if values and values[-1] == int(values[-1]) else None


def _period(n: int, unit: str) -> str:
    unit = unit.lower().rstrip("s")
    return f"{n} {unit}" + ("s" if n != 1 else "")


_ORDINALS = tuple(_DAY_WORDS[:20])  # "first" .. "twentieth": an anniversary's ordinal
# "the fourth (4th) anniversary": the word, with its digits after it in brackets
_ORDINAL = r"(?:" + "|".join(_ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))(?:\s*\(\d{1,2}(?:st|nd|rd|th)\))?"
_FOR_RE = re.compile(r"\b(?:period|term)\s+of\s+(?P<n>" + _NUMBER_WORD + r")\s*(?P<unit>years?|months?)\b"
                     r"|\b(?:for|continue\s+for)\s+(?:an?\s+(?:initial\s+)?(?:period|term)\s+of\s+)?(?P<n2>"
                     + _NUMBER_WORD + r")\s*" + _UNIT.format("unit2") + r"\b"
                     # "shall be fifteen (15) years from the Effective Date", "ending two (2) years thereafter"
                     r"|\b(?:be|is|ending|end|expire)\s+(?P<n3>" + _NUMBER_WORD + r")\s*" + _UNIT.format("unit3")
                     + r"\s+(?:from|after|following|thereafter|therefrom)\b"
                     # "shall end on the seventh anniversary of the date hereof", "until the later of (a) the fourth
                     # (4th) anniversary of the Effective Date"
                     r"|\b(?:on|until|upon)\s+the\s+(?:(?:later|earlier)\s+(?:to\s+occur\s+)?of:?\s*\(?[a-z1]\)\s*"
                     r"(?:the\s+)?)?(?P<n4>" + _ORDINAL + r")\s+anniversary\s+of\s+the\s+"
                     r"(?:effective\s+date|date\s+(?:hereof|of\s+this\s+agreement))", re.IGNORECASE)  # fmt: skip
# CUAD's "perpetual": nothing but a party's notice (or a termination) ends the term; "until the expiration of
# the Sublicense Agreement" ends with another agreement, and the row then quotes the sentence.
_OPEN_END = re.compile(r"\buntil\b[^.;]{0,30}?\b(?:either|one|any|a)\s+party\b|\buntil terminat\w+|"
                       r"\bunless and until\b|\bthereafter,? unless\b|\bend on the \w+ day following\b", re.IGNORECASE)


def _ordinal(word: str) -> int | None:
    """ "seventh" -> 7, "4th" -> 4."""
    w = word.lower().split("(")[0].strip()
    return _ORDINALS.index(w) + 1 if w in _ORDINALS else int(re.sub(r"\D", "", w) or 0) or None


def _plus(start: date, n: int, unit: str) -> date | None:
    months = n * 12 if unit.lower().startswith("year") else n
    y, m = divmod(start.month - 1 + months, 12)
    try:
        return start.replace(year=start.year + y, month=m + 1)
    except ValueError:
        return None  # the 29th of February, or the 31st of a short month


def date_of(text: str) -> date | None:
    """The first complete date a text states, as a date (a term of "three (3) years" runs from it)."""
    for m in DATE_RE.finditer(text):
        if (d := _date_text(m.group(0))) is not None:
            return datetime.strptime(d, "%B %d, %Y").date()
    return None


def term_value(text: str, start: date | None = None) -> str | None:
    """The term a term-and-renewal sentence states: an expiry date (stated, or `start`, the agreement's date,
    plus a stated number of years or months), "perpetual", "successive 1 year" or a notice period ("60
    days"), in that order."""
    pos = 0
    while (m := _EXPIRES_RE.search(text, pos)) is not None:
        pos = m.start() + 1  # the next keyword may lie inside this match ("unless terminated sooner, until ...")
        if _EARLY.search(text[max(0, m.start() - 14) : m.start()]):
            continue  # "Unless earlier terminated, this Agreement shall take effect on ...": not its end
        d = first_date(text[m.end() : m.end() + 80])
        if d and "_" not in d:
            return d
    f = _FOR_RE.search(text)
    if f and start and not _RENEWAL.search(text[: f.start()]):
        n_text = f.group("n") or f.group("n2") or f.group("n3") or ""
        n = _ordinal(f.group("n4")) if f.group("n4") else _count(n_text)
        unit = f.group("unit") or f.group("unit2") or f.group("unit3") or "year"
        end = _plus(start, n, unit) if n else None
        if end is not None:
            return f"{end:%B} {end.day}, {end.year}"
    # a notice period or the day the term starts does not end it: "shall commence on 26 September 2019 and
    # shall continue unless and until either party gives notice" has no fixed end
    rest = _STARTS_RE.sub(" ", _NOTICE_RE.sub(" ", text))
    no_end = not _DURATION_RE.search(rest) and not DATE_RE.search(rest)
    if _PERPETUAL_RE.search(text) or no_end and _OPEN_END.search(text):
        return "perpetual"  # CUAD's word for a term with no fixed end
    r = _RENEW_RE.search(text)
    if r and (n := _count(r.group("n"))):
        unit = r.group("unit")
        successive = bool(r.group("succ") or re.search(r"successive|each", text, re.I))
        if successive and unit.lower().startswith("month") and n % 12 == 0:
            n, unit = n // 12, "year"  # CUAD writes "successive 1 year" for twelve months (fit: +1 row, 0 lost)
        return ("successive " if successive else "") + _period(n, unit)
    no = _NOTICE_RE.search(text)
    if no:
        n_text = no.group("n") or no.group("n2") or no.group("n3")
        unit = no.group("unit") or no.group("unit2") or no.group("unit3")
        if (n := _count(n_text)) is not None:
            return _period(n, unit)
    return None


# "non-exclusive", "not exclusive", and a remedy called exclusive ("the sole and exclusive remedy"): the word
# without an exclusivity
_NON_EXCLUSIVE = re.compile(r"\bnon[\s-]*exclusiv\w*|\bnot\s+(?:be\s+)?exclusiv\w*|"
                            r"\bexclusive\s+(?:rights?\s+and\s+)?remed\w*", re.IGNORECASE)


def non_exclusive_only(text: str) -> bool:
    """A sentence whose only "exclusive" is a non-exclusive grant ("not exclusive") or an exclusive remedy.
    CUAD's experts leave those out of Exclusivity (of the fit fold's sentences, 2 of 387 non-exclusive ones
    and none of 47 naming an exclusive remedy are labelled), and a reader must not see a non-exclusive grant
    presented as an exclusivity finding."""
    return bool(_NON_EXCLUSIVE.search(text)) and not re.search(r"\bexclusiv", _NON_EXCLUSIVE.sub(" ", text), re.I)


# Words that say "exclusive" of something no exclusivity clause grants: "not ... exclusive" ("does not create an
# exclusive arrangement", "shall not be considered its exclusive provider"), an exclusive ownership or title, an
# exclusive warranty, "exclusive of" (excluding: "prices are exclusive of travel"). Of the fit fold's sentences (not
# already `non_exclusive_only`), 4 of 49 negated ones, none of 115 naming an exclusive ownership, none of 3 exclusive
# warranties and none of 75 saying "exclusive of" are labelled Exclusivity or Non-Compete.
_NOT_EXCLUSIVITY = re.compile(r"\b(?:not|no|nothing)\b[^.;]{0,50}?\bexclusiv\w*|\bexclusive\s+(?:owner\w*|property|"
                              r"title)|\bexclusive\s+(?:and\s+\w+\s+)?warrant\w*|\bexclusive\s+of\b", re.IGNORECASE)


# A promise not to solicit or hire the other party's people is CUAD's "No-Solicit of Employees", not exclusivity
# or a non-compete: of the fit fold's 74 such sentences that say neither "exclusive" nor "compete", 1 is labelled.
_NO_SOLICIT = re.compile(r"\b(?:solicit\w*|hire|hiring|recruit\w*)\b[^.]{0,120}\b(?:employ\w*|personnel|officers?|"
                         r"staff|consultants?)\b|\b(?:employ\w*|personnel)\b[^.]{0,80}\b(?:solicit\w*|hire|recruit\w*)",
                         re.IGNORECASE)


def no_exclusivity(text: str) -> bool:
    """A sentence whose every "exclusive" is non-exclusive, negated, an ownership or a warranty: not a row for
    exclusivity, however the model scores it."""
    if non_exclusive_only(text):
        return True
    if _NO_SOLICIT.search(text) and not re.search(r"exclusiv|compet", text, re.IGNORECASE):
        return True
    rest = _NOT_EXCLUSIVITY.sub(" ", _NON_EXCLUSIVE.sub(" ", text))
    return rest != text and not re.search(r"\bexclusiv", rest, re.IGNORECASE)


_ALIAS_RE = re.compile(
    r"\((?:[^()\"\u201c]{0,60}?)[\"\u201c\u201d](?P<alias>[^\"\u201c\u201d]{1,40})[\"\u201c\u201d](?P<more>[^()]{0,120}?)\)"
    r"|\b(?:hereinafter\s+(?:referred\s+to\s+as\s+|called\s+)?|referred\s+to\s+(?:in\s+this\s+agreement\s+|herein\s+)?as\s+)"
    r"(?:the\s+)?[\"\u201c](?P<alias2>[^\"\u201d]{1,40})[\"\u201d]"
    # a defined name without its quotation marks, or with one of them ("(hereinafter Tessel)", "(hereinafter,
    # -Licensee")", "(hereinafter referred to as Orrin Works)"), and one in single quotes ("(\u2018Reseller\u2019)";
    # fit: +4 rows, 0 lost)
    r"|\(\s*hereinafter,?\s+(?:referred\s+to\s+as\s+|called\s+)?(?:the\s+)?[-\"\u201c]?"
    r"(?P<alias3>[A-Za-z][^()\"\u201c\u201d]{0,38}?)[\"\u201d]?\s*\)"
    r"|\(\s*(?:the\s+)?\u2018(?P<alias4>[^()\u2018\u2019]{1,40})\u2019\s*\)",
    re.IGNORECASE,
)
# Where a party's name ends: its description (", a Delaware corporation", "having", "represented herein by ...":
# fit +1, 0 lost), a parenthetical unless more of the name follows it ("Lanfeng (Hubei) Trading Co., Ltd.": fit +1,
# 0 lost), or a street address ("KESTREL VENTURES A/S of Strandvej 12, ...", not a date's "of June 11": fit +1,
# 0 lost)
_NAME_END = re.compile(
    r",?\s+(?:an?|the)\s+(?:[A-Z][\w.-]*\s+){0,3}[a-z]|,\s+(?:an?|the)\b|\s*\((?![A-Z][\w .&-]{0,30}\)\s+[A-Z])|"
    r",?\s+(?:organized|incorporated|having|with|whose|located|residing|and\s+existing|existing|duly|a\s+corporation|"
    r"acting|in\s+the\s+person|represented)\b|"
    r",?\s+(?:of|at)\s+(?:(?!(?i:" + _MONTH_NAME + r")\s)[A-Z][\w-]*\s+){0,2}\d|$"
)


# What stands where a name should: a blank form's address ("with its principal place of business at ___"), or
# the parties named together ("and together with the Developer (the "Parties")"), which is no further party.
_NOT_A_NAME = re.compile(r"^(?:with|whose|having|located|together|collectively|each|both|individually)\b", re.I)
_NEXT_PARTY = re.compile(r"\s(?:and|&)\s+(?=[A-Z0-9_])")


def _alias_text(a: re.Match[str]) -> str:
    """The defined name(s) an alias match gives: every quoted term of the parenthetical ("Quillon", "Quillon Group"
    in ("Quillon" and together with its Affiliates, "Quillon Group")), since CUAD's answer keeps them all (fit: +9
    rows with the longer parenthetical tail, 0 lost)."""
    first = next((g for g in a.group("alias", "alias2", "alias3", "alias4") if g), "").strip(" ,;")
    more = re.findall(r"[\"\u201c\u201d]([^\"\u201c\u201d]{1,40})[\"\u201c\u201d]", a.group("more") or "")
    return " ".join('", "'.join([first, *[m.strip(" ,;") for m in more]]).split())


# "Party A: Hanfei Example Technology Co., Ltd. Address: ...": a party named by its label, as Chinese agreements do
# (fit: +3 rows, 0 lost)
_LABELLED_RE = re.compile(
    r"\bParty\s+(?P<label>[A-D])\s*[:\uff1a]\s*(?P<name>[^:\uff1a]{2,120}?)"
    r"(?=\s*(?:\((?![A-Z][\w .&-]{0,30}\)\s+[A-Z])|\uff08|[\u4e00-\u9fff]|"
    r"\b(?:Address|Registered|Registration|Legal|Contact|Tel|Domicile|Residence|Party\s+[A-D]\s*[:\uff1a])|$))"
)


def _labelled_parties(body: str) -> str | None:
    """'Hanfei Example Technology Co., Ltd. ("Party A"); ...' for the parties a preamble lists by label; CUAD's
    answer names them with the label as their defined name."""
    got = [f'{" ".join(m.group("name").split()).strip(" ,;")} ("Party {m.group("label")}")'
           for m in _LABELLED_RE.finditer(body)]  # fmt: skip
    return "; ".join(got) or None


# A signature block's fields ("By: /s/ ... Name: ... Title: ..."): what is left is the parties' names (fit: +1 row,
# 0 lost)
_SIGNATURE_FIELD = re.compile(r"\b(?:By|Name|Title|Its)\s*:(?:(?!\b(?:By|Name|Title|Its|Date)\s*:).)*", re.DOTALL)


def _capitalised_head(name: str) -> str:
    """A long name's capitalised words up to its first plain lowercase one ("Example Trading Company to be formed
    by ..." -> "Example Trading Company"); "" when that is no name of two words or more. A name over 80 characters
    was dropped before (fit: +2 rows, 0 lost)."""
    m = re.search(r"\s(?!(?:of|and|the|for|de|du|la|dba|d/b/a)\b)[a-z][a-z]*\b", name)
    head = name[: m.start()].strip(" ,;:") if m else name
    return head if head[:1].isupper() and len(head.split()) > 1 else ""


def parties_text(text: str) -> str:
    """The parties a preamble names, as CUAD writes them: "2TheMart.com, Inc. ("2TheMart"); I-Escrow, Inc.
    ("i-Escrow")": each defined name with the name before it. Without defined names, the parties listed by label
    ("Party A: ..."), else the names the preamble gives from "between" on (`_names_only`), else that preamble."""
    m = re.search(r"\b(?:by\s+and\s+)?(?:between|among)\b:?", text, re.IGNORECASE)
    body = text[m.end() :] if m else text
    out: list[str] = []
    prev = 0
    for a in _ALIAS_RE.finditer(body):
        alias = _alias_text(a)
        chunk = re.sub(r"^[\s,;:]*(?:and\s+|&\s+)?", "", body[prev : a.start()])
        chunk = re.sub(r"^\(\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*\)\s*", "", chunk)  # "(1) Norwick ...": fit +1, 0 lost
        prev = a.end()
        # ', whose principal place of business is ... and HIGH SPEED NET SOLUTIONS, INC. ("HSNS")': the
        # first party's address runs on; the next party's name starts after the last "and" before its alias
        # ("Smith and Jones LLP" is one name: an "and" between capitalised words does not start another; a blank
        # form's "and ________" does)
        joined = [j for j in _NEXT_PARTY.finditer(chunk)
                  if chunk[j.end() : j.end() + 1] == "_" or not re.search(r"\b[A-Z][\w.'-]*\s*$", chunk[: j.start()])]
        if joined and out:
            chunk = chunk[joined[-1].end() :]
        name = _NAME_END.search(chunk)
        name_text = " ".join(chunk[: name.start() if name else len(chunk)].split()).strip(" ,;:")
        if _NOT_A_NAME.match(name_text):
            continue
        if len(name_text) > 80:
            name_text = _capitalised_head(name_text)
        if alias.lower() in ("agreement", "effective date") or not name_text or len(name_text) > 80:
            continue
        out.append(f'{name_text} ("{alias}")')
    if out:
        return "; ".join(out)
    labelled = _labelled_parties(body)
    if labelled:
        return labelled
    body = DATE_RE.sub(" ", body)
    body = re.sub(r"\s*\bWHEREAS\b.*$", "", body, flags=re.DOTALL)
    if re.search(r"\bBy\s*:", body) and re.search(r"\b(?:Name|Title)\s*:", body):
        body = re.sub(r"\bDate\s*:", " ", _SIGNATURE_FIELD.sub(" ", body))
    return _names_only(body) or " ".join(body.split()).strip(" ,;:.")


_AND_RE = re.compile(r"\s+(?:and|AND|And)\s+(?=[A-Z0-9\[_])")
_SUFFIX_WORD = re.compile(
    r"^(?:Inc|Ltd|LLC|L\.?P|Corp|Co|plc|AG|S\.?A|N\.?V|B\.?V|GmbH|Limited|Company|Corporation|Incorporated)\.?,?$",
    re.IGNORECASE,
)


def _party_parts(body: str) -> list[str]:
    """The body split at each "and" between two parties: not one inside a name ("WEST HILL FILM AND SOUND
    CORPORATION", "Smith and Jones"), which follows a capitalised word that does not end a company's name."""
    parts, prev = [], 0
    for m in _AND_RE.finditer(body):
        before = body[prev : m.start()].split()
        last = before[-1] if before else ""
        if last[:1].isupper() and not _SUFFIX_WORD.match(last):
            continue
        parts.append(body[prev : m.start()])
        prev = m.end()
    return [*parts, body[prev:]]


def _names_only(body: str) -> str | None:
    """A preamble without defined names, as its parties' names: each part between "and"s cut where its name ends
    ("CASCADE CAPITAL CORP., a corporation incorporated ..." -> "CASCADE CAPITAL CORP."). CUAD's answer lists the
    names; the whole preamble rarely agrees with it (fit: +4 rows, 1 lost: a press release's company cut at its
    ticker's parenthetical)."""
    names = []
    for part in _party_parts(body):
        part = re.sub(r"^[\s,;:]+", "", part)
        end = _NAME_END.search(part)
        name = " ".join(part[: end.start() if end else len(part)].split()).strip(" ,;:'\u2019")
        if name and not _NOT_A_NAME.match(name):
            names.append(name)
    return "; ".join(names) or None
