"""The lexical side of the index: a Unicode-aware tokenizer and a BM25 matrix.

Latin, Cyrillic, Greek and Arabic text is split into words and stemmed with the Snowball
stemmer of its script's main language; scripts written without spaces (Chinese, Japanese,
Thai, Lao, Khmer, Myanmar) become character unigrams and bigrams. Numbers lose their
thousands separators so that "1400" finds "1,400".
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .text import NO_SPACE

TOKENIZER_VERSION = 2

TOKEN_PATTERN = re.compile(rf"([{NO_SPACE}]+)|(\d+(?:[.,]\d+)*)|([^\W\d_]+)", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_GREEK = re.compile(r"[\u0370-\u03ff]")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves tell many much
    etc per via""".split()
)


@lru_cache(maxsize=8)
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer(lang)


def _stem(word: str) -> str:
    if _CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    if _ARABIC.search(word):
        return _stemmer("arabic").stemWord(word)
    if _GREEK.search(word):
        return _stemmer("greek").stemWord(word)
    return _stemmer("english").stemWord(word)


@lru_cache(maxsize=200_000)
def _word_token(word: str) -> str:
    return _stem(word)


def tokenize(text: str) -> list[str]:
    """Lexical terms of ``text``, in order (duplicates kept)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for m in TOKEN_PATTERN.finditer(text):
        nospace, number, word = m.groups()
        if nospace:
            chars = list(nospace)
            out.extend(chars)
            out.extend(a + b for a, b in zip(chars, chars[1:]))
        elif number:
            out.append(number.replace(",", ""))
        elif word not in STOPWORDS:
            out.append(_word_token(word))
    return out


# A name written out in a question, shortened on the page (or the other way round): "the New York
# Institute of Technology" and "NJUPT-NYIT", "Confirmation of Acceptance for Studies" and "CAS".
_NAME_WORD = re.compile(r"[A-Z][\w'’-]*")
_ACRONYM_MAX = 8  # letters: a run of 200 capitalised words gives ~1,200 windows, not 20,000
_NAME_JOINERS = frozenset({"of", "and", "for", "the", "&", "de", "du", "des", "la", "le", "für", "und", "in", "at"})


def acronyms(text: str) -> list[str]:
    """The acronyms a text's runs of capitalised words could be written as (lower case), from every
    window of 3 or more capitalised words of a run ("Does New York Institute of Technology" gives
    "nyit", and "dnyit", "nyi"...: only those a corpus knows are of use, ``BM25Index.query_terms``)."""
    out: list[str] = []
    run: list[str] = []
    for word in re.findall(r"[\w'’&-]+", text) + [""]:
        if _NAME_WORD.fullmatch(word):
            run.append(word[0])
        elif word.casefold() in _NAME_JOINERS and run:
            continue
        else:
            for i in range(len(run)):
                for j in range(i + 3, min(len(run), i + _ACRONYM_MAX) + 1):
                    a = "".join(run[i:j]).casefold()
                    if a not in STOPWORDS and a not in out:
                        out.append(a)
            run = []
    return out


# Words that name the same thing on university pages, where a student's question and the page
# rarely use the same one: "the cut-off date for an undergrad application" and "bachelor's
# applications close on 15 January", "who teaches the course" and "Instructor: Dr. Raman". A
# question term is held by a sentence that holds any word of its group (the reader's overlap
# features, ``synonyms``). Groups are of words that stand in for one another in questions,
# not of related words: "visa" is not a "residence permit", nor a "fee" a "deposit".
_SYNONYM_GROUPS = (
    # people and teaching
    "instructor professor prof teacher tutor",  # not "lecturer": its stem is that of "lectures"
    "teach teaches taught teaching > instructor professor teacher",  # who teaches: the instructor
    "class course module subject",
    "class lecture lectures",  # a class meets in lectures; a course is not its lectures
    "class > classroom",
    "textbook textbooks text texts book books",
    "meet meets meeting held venue location",
    "exam exams examination examinations",
    "grade grades grading mark marks assessment evaluation",
    "homework assignment assignments coursework",
    "syllabus outline",
    "prerequisite prerequisites prereq prereqs",
    "ta tas assistant assistants",
    "lab labs laboratory laboratories",
    # admission
    "deadline deadlines close closes closing cutoff cut due",
    "apply application applications applying admission admissions",
    "undergraduate undergrad undergraduates bachelor bachelors bachelor's",
    "postgraduate postgrad postgraduates graduate",
    "doctorate doctoral phd",
    "begin begins start starts commence commences",
    "enrol enroll enrolment enrollment register registration matriculation",
    # money
    "fee fees cost costs price tuition charge charges",
    "scholarship scholarships bursary bursaries grant grants funding stipend",
    "refund refunds reimburse reimbursed reimbursement",
    # living
    "accommodation housing residence residences hall halls dormitory dormitories dorm dorms",
    "insurance cover coverage",
    "job jobs work working employment",
    "orientation induction welcome",
    "international foreign overseas",
    "family dependant dependants dependent dependents spouse",
    "semester semesters term terms",
    "credit credits ects",
    "recognise recognize recognised recognized recognition exemption exemptions transfer",
    # contact
    "email e-mail mail",
    "phone telephone tel call",
    # French, Spanish, German
    "frais coût coûts prix tarif tarifs",
    "logement logements hébergement résidence",
    "bourse bourses financement",
    "matrícula tasa tasas precio precios coste costes",
    "alojamiento alojamientos residencia residencias vivienda",
    "beca becas ayuda ayudas",
    "plazo plazos fecha límite",
    "Gebühr Gebühren Kosten Studiengebühren",
    "Unterkunft Wohnheim Wohnung",
)


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for group in _SYNONYM_GROUPS:
        # "a b > c d": a and b are held by c or d, not the other way round ("teaches" by "Instructor",
        # but "professor" not by "Teaching assistant")
        words, _, targets = group.partition(">")
        terms = {t for w in words.split() for t in tokenize(w) if len(t) > 1}  # not the "s" of "bachelor's"
        held_by = {t for w in targets.split() for t in tokenize(w) if len(t) > 1} | terms
        for t in terms:
            index.setdefault(t, set()).update(held_by)
    return {t: frozenset(g - {t}) for t, g in index.items()}


def synonyms(term: str) -> frozenset[str]:
    """The other terms (stemmed, as ``tokenize`` gives them) that name what ``term`` names."""
    return _synonym_index().get(term, frozenset())


@dataclass
class LexicalQuery:
    term_ids: np.ndarray   # known terms of the query (ids into the vocabulary)
    weights: np.ndarray    # their idf
    known_idf: float       # sum of idf over the query's terms the corpus has
    total_idf: float       # ... over all its terms (unknown ones count as the rarest)

    @property
    def coverage(self) -> float:
        """How much of the question the lexical index can see (0 = nothing, 1 = all)."""
        return self.known_idf / self.total_idf if self.total_idf > 0 else 0.0


class BM25Index:
    """BM25 over passages, stored as a CSC matrix of saturated term weights."""

    def __init__(self, matrix: sparse.csc_matrix, vocab: dict[str, int], idf: np.ndarray,
                 k1: float, b: float):
        self.matrix = matrix
        self.vocab = vocab
        self.idf = idf
        self.k1 = k1
        self.b = b
        self.max_idf = float(idf.max()) if len(idf) else 1.0

    @property
    def n_passages(self) -> int:
        return self.matrix.shape[0]

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            toks = tokenize(text)
            lengths[i] = len(toks)
            counts: dict[int, int] = {}
            for t in toks:
                tid = vocab.setdefault(t, len(vocab))
                counts[tid] = counts.get(tid, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts.keys())
            tfs.extend(counts.values())
        n = len(texts)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = k1 * (1 - b + b * lengths[rows_a] / max(avgdl, 1e-9)) if n else np.zeros(0)
        weights = tf * (k1 + 1) / (tf + norm)
        matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n, len(vocab)), dtype=np.float32)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        return cls(matrix, vocab, idf, k1, b)

    def idf_of(self, term: str) -> float:
        """A term's idf; a term the corpus never uses counts as the rarest."""
        tid = self.vocab.get(term)
        return float(self.idf[tid]) if tid is not None else self.max_idf

    def query_terms(self, text: str) -> list[str]:
        """A query's terms: its tokens, then the acronyms of its written-out names that this corpus
        uses ("New York Institute of Technology" → "nyit" where a page says "NJUPT-NYIT")."""
        terms = list(dict.fromkeys(tokenize(text)))
        return terms + [a for a in acronyms(text) if a in self.vocab and a not in terms]

    def query(self, text: str) -> LexicalQuery:
        terms = self.query_terms(text)
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        weights = self.idf[ids] if ids else np.zeros(0, dtype=np.float32)
        unknown = len(terms) - len(ids)
        known = float(weights.sum())
        return LexicalQuery(np.asarray(ids, dtype=np.int64), weights, known, known + unknown * self.max_idf)

    def scores(self, q: LexicalQuery) -> np.ndarray:
        """BM25 score of every passage, divided by the query's best possible score (0..1)."""
        if len(q.term_ids) == 0 or q.total_idf <= 0:
            return np.zeros(self.n_passages, dtype=np.float32)
        raw = self.matrix[:, q.term_ids] @ q.weights
        return np.asarray(raw, dtype=np.float32).ravel() / (q.total_idf * (self.k1 + 1))

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "lexical.npz", self.matrix, compressed=False)
        np.save(folder / "lexical_idf.npy", self.idf)
        (folder / "lexical_vocab.json").write_text(
            json.dumps({"k1": self.k1, "b": self.b, "tokenizer": TOKENIZER_VERSION, "vocab": self.vocab},
                       ensure_ascii=False),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        meta = json.loads((folder / "lexical_vocab.json").read_text(encoding="utf-8"))
        matrix = sparse.load_npz(folder / "lexical.npz").tocsc()
        idf = np.load(folder / "lexical_idf.npy")
        return cls(matrix, meta["vocab"], idf, meta["k1"], meta["b"])

