"""OpenAI chat-completions compatibility: messages in, a cited extractive answer out.

The last user message is the question and the earlier user/assistant messages its history
(system and tool messages are ignored: askintl has no prompt). The reply's text carries the
quote with a citation mark and a numbered source list; the same citations are also returned
as structured data in an extra ``citations`` field (one per document, numbered as in the
text), and the whole /v1/ask result in ``askintl`` (``confidence`` and ``confidence_level``
included). A low-confidence answer says so on the line after the quote, in the question's
language.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ..errors import InvalidRequestError
from ..records import AskResult

MODEL_ID = "askintl"
EXCERPT_CHARS = 300

# The few phrases of a reply, in the widget's languages (others fall back to English).
PHRASES = {
    "en": {"sources": "Sources", "related": "Related passages",
           "not_found": "This is not in the official materials indexed here.",
           "low_confidence": "Low confidence: check the cited source."},
    "zh": {"sources": "来源", "related": "相关段落", "not_found": "已收录的官方资料中没有这个问题的答案。",
           "low_confidence": "置信度低：请核对所引来源。"},
    "ru": {"sources": "Источники", "related": "Связанные фрагменты",
           "not_found": "В официальных материалах, собранных здесь, ответа на этот вопрос нет.",
           "low_confidence": "Низкая уверенность: сверьтесь с указанным источником."},
    "ar": {"sources": "المصادر", "related": "مقاطع ذات صلة",
           "not_found": "هذا غير موجود في المواد الرسمية المفهرسة هنا.",
           "low_confidence": "ثقة منخفضة: تحقق من المصدر المذكور."},
    "fr": {"sources": "Sources", "related": "Passages liés",
           "not_found": "Ce n’est pas dans les documents officiels indexés ici.",
           "low_confidence": "Confiance faible : vérifiez la source citée."},
    "es": {"sources": "Fuentes", "related": "Pasajes relacionados",
           "not_found": "Esto no está en los materiales oficiales indexados aquí.",
           "low_confidence": "Confianza baja: compruebe la fuente citada."},
}
_SECTION_HEADINGS = {p[k] for p in PHRASES.values() for k in ("sources", "related")}
_SECTION_LINE = re.compile(r"^\s*(?:" + "|".join(re.escape(h) for h in sorted(_SECTION_HEADINGS)) + r")\s*[:：]\s*$",
                           re.MULTILINE)
_CITATION_MARK = re.compile(r"\s*\[\d+\]")
# askintl's own low-confidence note, in any of its languages (not part of the answer's content)
_LOW_CONFIDENCE_LINE = re.compile(
    r"^[ \t]*(?:" + "|".join(re.escape(p["low_confidence"]) for p in PHRASES.values()) + r")[ \t]*(?:\n|$)",
    re.MULTILINE)


@dataclass
class ChatQuestion:
    question: str
    history: list[dict]


def _content_text(content) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    raise InvalidRequestError("message content must be a string or a list of content parts")


def strip_citations(reply: str) -> str:
    """An earlier askintl reply without its source list and citation marks (for history)."""
    m = _SECTION_LINE.search(reply)
    if m:
        reply = reply[:m.start()]
    reply = _LOW_CONFIDENCE_LINE.sub("", reply)
    return _CITATION_MARK.sub("", reply).strip()


def messages_to_question(messages: list[dict]) -> ChatQuestion:
    turns = []
    for msg in messages:
        role = msg.get("role")
        if role in ("user", "assistant"):
            text = _content_text(msg.get("content"))
            turns.append({"role": role, "content": strip_citations(text) if role == "assistant" else text})
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise InvalidRequestError("the last message must be a user message with the question")
    return ChatQuestion(question=turns[-1]["content"], history=turns[:-1])


def document_link(base_url: str, doc_id: str, start: int, end: int) -> str:
    """askintl's page of a document, with the span ``start:end`` highlighted."""
    return f"{base_url.rstrip('/')}/documents/{quote(doc_id, safe='')}?" + urlencode({"start": start, "end": end})


def citations(result: AskResult, base_url: str) -> list[dict]:
    """One citation per document, in passage order; the answer's document carries the quote."""
    out: list[dict] = []
    seen: dict[str, int] = {}
    answer = result.answer
    for p in result.passages:
        if p.doc_id in seen:
            continue
        cited = answer is not None and answer.doc_id == p.doc_id
        start, end, text = (answer.start, answer.end, answer.text) if cited else (p.start, p.end, p.text)
        seen[p.doc_id] = len(out) + 1
        live = (answer.link if cited else p.link) or p.url  # the live page, at the quote (provenance.py)
        out.append({
            "index": len(out) + 1,
            "doc_id": p.doc_id,
            "title": p.title,
            "institution": p.institution,
            "url": p.url,
            "link": live or document_link(base_url, p.doc_id, start, end),
            "as_of": (answer.as_of if cited else None) or p.as_of,
            "document_page": document_link(base_url, p.doc_id, start, end),
            "quote": text,
            "start": start,
            "end": end,
            "cited": cited,
        })
    return out


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"


# "as of <date>" after a source, in the reply's language
AS_OF = {"en": "as of", "zh": "截至", "ru": "по состоянию на", "ar": "حتى تاريخ", "fr": "au", "es": "a fecha de"}


def _as_of(cite: dict, language: str = "en") -> str:
    """" (as of 2025-03-14)" after a source whose page date or fetch date is known."""
    return f" ({AS_OF.get(language, AS_OF['en'])} {cite['as_of']})" if cite.get("as_of") else ""


def reply_text(result: AskResult, cites: list[dict]) -> str:
    phrases = PHRASES.get(result.language, PHRASES["en"])
    lines: list[str] = []
    if result.answer is not None and not result.abstained:
        mark = next((f" [{c['index']}]" for c in cites if c["cited"]), "")
        lines.append(f"“{result.answer.text.strip()}”{mark}")
        if result.low_confidence:
            lines.append(phrases["low_confidence"])
        lines += ["", f"{phrases['sources']}:"]
        lines += [f"[{c['index']}] {c['institution'] or c['title']} — {c['title']}: {c['link']}"
                  f"{_as_of(c, result.language)}" for c in cites]
    else:
        lines.append(phrases["not_found"])
        if cites:
            lines += ["", f"{phrases['related']}:"]
            for c in cites:
                lines.append(f"[{c['index']}] {c['institution'] or c['title']} — {c['title']}: {c['link']}"
                             f"{_as_of(c, result.language)}")
                lines.append(f"    {_excerpt(c['quote'])}")
    return "\n".join(lines)


def _usage(question: ChatQuestion, text: str) -> dict:
    """Token counts are approximate (whitespace words): askintl runs no generative model."""
    prompt = sum(len(t["content"].split()) for t in question.history) + len(question.question.split())
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(result: AskResult, question: ChatQuestion, answer_id: str, ask_payload: dict, base_url: str,
               created: int | None = None) -> dict:
    """The non-streaming ``chat.completion`` object."""
    cites = citations(result, base_url)
    text = reply_text(result, cites)
    return {
        "id": f"chatcmpl-{answer_id}",
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(question, text),
        "citations": cites,
        "askintl": ask_payload,
    }


def _pieces(text: str, size: int = 48) -> Iterator[str]:
    """The reply in pieces of about ``size`` characters, split after whitespace."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end + 1)
            newline = text.rfind("\n", start + 1, end + 1)
            cut = max(space, newline)
            if cut > start:
                end = cut + 1
        yield text[start:end]
        start = end


def stream_events(result: AskResult, question: ChatQuestion, answer_id: str, ask_payload: dict, base_url: str,
                  include_usage: bool = False) -> Iterator[str]:
    """Server-sent events of ``chat.completion.chunk`` objects, then ``[DONE]``.

    The first chunk carries the role, then the text comes in pieces; the last chunk (with
    ``finish_reason``) carries ``citations`` and ``askintl``.
    """
    full = completion(result, question, answer_id, ask_payload, base_url)
    base = {"id": full["id"], "object": "chat.completion.chunk", "created": full["created"], "model": MODEL_ID}

    def event(obj: dict) -> str:
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    yield event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                      "finish_reason": None}]})
    for piece in _pieces(full["choices"][0]["message"]["content"]):
        yield event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    yield event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                 "citations": full["citations"], "askintl": full["askintl"]})
    if include_usage:
        yield event({**base, "choices": [], "usage": full["usage"]})
    yield "data: [DONE]\n\n"


def error_body(message: str, status: int, param: str | None = None, code: str | None = None) -> dict:
    """OpenAI's error shape, so OpenAI clients show the message."""
    kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 413: "invalid_request_error", 422: "invalid_request_error",
            429: "rate_limit_error"}.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
