"""Script-based language guess and the question cues that do not depend on a model."""
from __future__ import annotations

import re
import unicodedata

_SCRIPT_RANGES = (
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("lo", re.compile(r"[\u0e80-\u0eff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
)

# A few function words per Latin-script language, enough to tell the common ones apart.
_LATIN_WORDS = {
    "en": "the and of to is are what how many which does do did when where who with in for".split(),
    "fr": "le la les des est sont quel quelle combien comment où qui avec pour une du au".split(),
    "es": "el la los las es son qué cuál cuántos cuántas cómo dónde quién con para una del".split(),
    "de": "der die das und ist sind wie viele welche wo wer mit für ein eine den dem".split(),
    "pt": "o os as é são qual quantos quantas como onde quem com para uma do da".split(),
    "ms": "yang dan di ke dari ini itu berapa apa bagaimana dengan untuk adalah".split(),
    "vi": "của và là có những các một không được người cho này".split(),
    "tr": "ve bir bu ne kaç nasıl nerede kim ile için mi mı".split(),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str) -> str:
    """ISO 639-1 code of the dominant script/language of ``text`` ("en" when unsure)."""
    counts = {code: len(rx.findall(text)) for code, rx in _SCRIPT_RANGES}
    letters = sum(1 for ch in text if ch.isalpha())
    if letters == 0:
        return "en"
    code, n = max(counts.items(), key=lambda kv: kv[1])
    if n and n >= 0.3 * letters:
        if code == "zh" and counts["ja"]:
            return "ja"
        return code
    words = [w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]
    best, best_n = "en", 0
    for lang, vocab in _LATIN_WORDS.items():
        k = sum(1 for w in words if w in vocab)
        if k > best_n:
            best, best_n = lang, k
    return best


_NUMERIC_Q = re.compile(
    r"\b(how many|how much|how long|number of|what share|what percentage|what proportion|"
    r"combien|cuánt[oa]s?|cuanto|wie viele?|quant[oa]s?|berapa|kaç)\b|сколько|多少|几|كم",
    re.IGNORECASE,
)
_TIME_Q = re.compile(
    r"\b(when|what year|which year|since when|quand|cuándo|wann|quando|bila)\b|когда|何时|什么时候|哪一年|متى",
    re.IGNORECASE,
)
_PLACE_Q = re.compile(r"\b(where|address|located|où|dónde|wo|onde|di mana)\b|где|адрес|哪里|地址|أين|عنوان",
                      re.IGNORECASE)


def answer_type(question: str) -> str | None:
    """What kind of answer a question wants: "number", "time", "place" or None."""
    if _TIME_Q.search(question):
        return "time"
    if _NUMERIC_Q.search(question):
        return "number"
    if _PLACE_Q.search(question):
        return "place"
    return None


_HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                         r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
                         r"thousand|million|dozen)\b", re.IGNORECASE)
_HAS_TIME = re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b|\b(January|February|March|April|May|June|July|"
                       r"August|September|October|November|December|since|century)\b")
_HAS_PLACE = re.compile(r"\b(Road|Street|Avenue|Address|located|in [A-Z][a-z]+)\b|\d{5,6}")


def matches_answer_type(kind: str | None, sentence: str) -> bool:
    if kind == "number":
        return bool(_HAS_NUMBER.search(sentence))
    if kind == "time":
        return bool(_HAS_TIME.search(sentence))
    if kind == "place":
        return bool(_HAS_PLACE.search(sentence))
    return False
