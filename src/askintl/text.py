"""What askintl knows about writing systems, in one place.

Character ranges for the scripts written without spaces between words, and how a reader
counts words. Tokenizing (lexical.py), institution names (institutions.py), sentences and
passages (chunking.py, structure.py) and language guessing (lang.py) all read them from here.
"""
from __future__ import annotations

import re

HAN = "\u4e00-\u9fff\u3400-\u4dbf"      # CJK unified ideographs and extension A
HAN_COMPAT = "\uf900-\ufaff"            # CJK compatibility ideographs
KANA = "\u3040-\u30ff"                  # hiragana and katakana
HANGUL = "\uac00-\ud7af"                # Hangul syllables
CJK = HAN + KANA + HANGUL               # each character is a word to a reader
# Scripts of South-East Asia written without spaces between words: Thai, Lao, Khmer, Myanmar.
SEA = "\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f"
NO_SPACE = CJK + SEA                    # runs of these are one token to split further

CJK_CHAR = re.compile(f"[{CJK}]")
# A list item's marker at the start of a line: a bullet, "1." / "2)", "a." / "b)". The indentation
# before it is group 1 (its depth).
LIST_MARKER = r"(?:[-*+•·▪◦–]|\d{1,2}[.)]|[a-z][.)])"
LIST_ITEM = re.compile(rf"^(\s*){LIST_MARKER}\s+\S")


def count_words(text: str) -> int:
    """Words as a reader counts them: whitespace-separated, and each CJK character."""
    cjk = len(CJK_CHAR.findall(text))
    return len(CJK_CHAR.sub(" ", text).split()) + cjk
