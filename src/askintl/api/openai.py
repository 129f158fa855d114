"""OpenAI chat-completions compatibility: messages in, a cited extractive answer out.

The last user message is the question and the earlier user/assistant messages its history
(system and tool messages are ignored: askintl has no prompt). The reply's text carries the
quote with a citation mark and a numbered source list; the same citations are also returned
as structured data in an extra ``citations`` field (one per passage, numbered as in the text
and on every other surface: see ``askintl.citations``), and the whole /v1/ask result in
``askintl`` (``confidence`` and ``confidence_level`` included). A low-confidence answer says
so on the line after the quote, in the question's language.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ..citations import citations as number_citations
from ..conversation import Turn
from ..errors import InvalidRequestError
from ..records import AskResult

MODEL_ID = "askintl"
EXCERPT_CHARS = 300

# The few phrases of a reply, in the widget's languages (others fall back to English).
PHRASES = {
    "en": {"sources": "Sources", "related": "Related passages",
           "not_found": "This is not in the official materials indexed here.",
           "low_confidence": "Low confidence: check the cited source.", "contact": "Contact",
           "contact_of": "Please contact the international office of {name} directly: it can answer what the "
                         "official materials here do not.",
           "contact_any": "Please contact your institution’s international office directly: it can answer what the "
                          "official materials here do not.",
           "address": "Address", "email": "E-mail", "phone": "Phone", "form": "Contact form"},
    "zh": {"sources": "来源", "related": "相关段落", "not_found": "已收录的官方资料中没有这个问题的答案。",
           "low_confidence": "置信度低：请核对所引来源。", "contact": "联系方式",
           "contact_of": "请直接联系{name}的国际交流部门，他们可以解答这里的官方资料没有涵盖的问题。",
           "contact_any": "请直接联系您所在院校的国际交流部门，他们可以解答这里的官方资料没有涵盖的问题。",
           "address": "地址", "email": "电子邮件", "phone": "电话", "form": "联系表单"},
    "ru": {"sources": "Источники", "related": "Связанные фрагменты",
           "not_found": "В официальных материалах, собранных здесь, ответа на этот вопрос нет.",
           "low_confidence": "Низкая уверенность: сверьтесь с указанным источником.", "contact": "Контакты",
           "contact_of": "Обратитесь напрямую в международный отдел {name}: там ответят на то, чего нет в "
                         "официальных материалах.",
           "contact_any": "Обратитесь напрямую в международный отдел вашего вуза: там ответят на то, чего нет в "
                          "официальных материалах.",
           "address": "Адрес", "email": "Эл. почта", "phone": "Телефон", "form": "Форма обратной связи"},
    "ar": {"sources": "المصادر", "related": "مقاطع ذات صلة",
           "not_found": "هذا غير موجود في المواد الرسمية المفهرسة هنا.",
           "low_confidence": "ثقة منخفضة: تحقق من المصدر المذكور.", "contact": "للتواصل",
           "contact_of": "يرجى التواصل مباشرةً مع مكتب الشؤون الدولية في {name}، فبإمكانه الإجابة عمّا لا تتناوله "
                         "المواد الرسمية هنا.",
           "contact_any": "يرجى التواصل مباشرةً مع مكتب الشؤون الدولية في مؤسستك، فبإمكانه الإجابة عمّا لا تتناوله "
                          "المواد الرسمية هنا.",
           "address": "العنوان", "email": "البريد الإلكتروني", "phone": "الهاتف", "form": "نموذج التواصل"},
    "fr": {"sources": "Sources", "related": "Passages liés",
           "not_found": "Ce n’est pas dans les documents officiels indexés ici.",
           "low_confidence": "Confiance faible : vérifiez la source citée.", "contact": "Contact",
           "contact_of": "Contactez directement le service des relations internationales de {name} : il peut "
                         "répondre à ce que les documents officiels indexés ici ne disent pas.",
           "contact_any": "Contactez directement le service des relations internationales de votre établissement : "
                          "il peut répondre à ce que les documents officiels indexés ici ne disent pas.",
           "address": "Adresse", "email": "E-mail", "phone": "Téléphone", "form": "Formulaire de contact"},
    "es": {"sources": "Fuentes", "related": "Pasajes relacionados",
           "not_found": "Esto no está en los materiales oficiales indexados aquí.",
           "low_confidence": "Confianza baja: compruebe la fuente citada.", "contact": "Contacto",
           "contact_of": "Contacte directamente con la oficina internacional de {name}: puede responder lo que los "
                         "materiales oficiales de aquí no dicen.",
           "contact_any": "Contacte directamente con la oficina internacional de su institución: puede responder lo "
                          "que los materiales oficiales de aquí no dicen.",
           "address": "Dirección", "email": "Correo electrónico", "phone": "Teléfono",
           "form": "Formulario de contacto"},
}
_SECTION_HEADINGS = {p[k] for p in PHRASES.values() for k in ("sources", "related", "contact")}
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
    history: list[Turn]  # checked by the request schema (``schemas.ChatMessage``)


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
            turns.append(Turn(role, strip_citations(text) if role == "assistant" else text))
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        raise InvalidRequestError("the last message must be a user message with the question")
    return ChatQuestion(question=turns[-1].content, history=turns[:-1])


def document_link(base_url: str, doc_id: str, start: int, end: int) -> str:
    """askintl's page of a document, with the span ``start:end`` highlighted."""
    return f"{base_url.rstrip('/')}/documents/{quote(doc_id, safe='')}?" + urlencode({"start": start, "end": end})


def citations(result: AskResult, base_url: str) -> list[dict]:
    """One citation per passage, numbered as everywhere (``askintl.citations``); the answer's
    passage carries the quote."""
    return [{
        "index": c.number,
        "doc_id": c.passage.doc_id,
        "title": c.passage.title,
        "institution": c.passage.institution,
        "url": c.passage.url,
        "link": c.link or document_link(base_url, c.passage.doc_id, c.start, c.end),
        "as_of": c.as_of,
        "document_page": document_link(base_url, c.passage.doc_id, c.start, c.end),
        "quote": c.text,
        "start": c.start,
        "end": c.end,
        "cited": c.cited,
    } for c in number_citations(result)]


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"


# "as of <date>" after a source, in the reply's language
AS_OF = {"en": "as of", "zh": "截至", "ru": "по состоянию на", "ar": "حتى تاريخ", "fr": "au", "es": "a fecha de"}


def _as_of(cite: dict, language: str = "en") -> str:
    """" (as of 2025-03-14)" after a source whose page date or fetch date is known."""
    return f" ({AS_OF.get(language, AS_OF['en'])} {cite['as_of']})" if cite.get("as_of") else ""


def _contact_lines(contacts: list[dict], phrases: dict) -> list[str]:
    """Who to ask instead, as the widget's office box says it (``routes.institutions.offices_to_contact``)."""
    if not contacts:
        return [phrases["contact_any"]]
    lines = []
    for entry in contacts:
        name, c = entry["institution"], entry.get("contact") or {}
        ways = [f"{phrases[label]}: {c[key]}" for key, label in
                (("address", "address"), ("email", "email"), ("phone", "phone"), ("form_url", "form")) if c.get(key)]
        if ways:
            lines.append(f"{c['office']} — {name}: " if c.get("office") else f"{name}: ")
            lines[-1] += "; ".join(ways)
        else:
            lines.append(phrases["contact_of"].replace("{name}", name))
    return lines


def reply_text(result: AskResult, cites: list[dict], contacts: list[dict] | None = None) -> str:
    """The reply's text. On abstention it says who to contact instead: ``contacts`` (the
    question's institutions and their offices), or the reader's own international office."""
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
        lines += ["", f"{phrases['contact']}:", *_contact_lines(contacts or [], phrases)]
        if cites:
            lines += ["", f"{phrases['related']}:"]
            for c in cites:
                lines.append(f"[{c['index']}] {c['institution'] or c['title']} — {c['title']}: {c['link']}"
                             f"{_as_of(c, result.language)}")
                lines.append(f"    {_excerpt(c['quote'])}")
    return "\n".join(lines)


def _usage(question: ChatQuestion, text: str) -> dict:
    """Token counts are approximate (whitespace words): askintl runs no generative model."""
    prompt = sum(len(t.content.split()) for t in question.history) + len(question.question.split())
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(result: AskResult, question: ChatQuestion, answer_id: str, ask_payload: dict, base_url: str,
               created: int | None = None, contacts: list[dict] | None = None) -> dict:
    """The non-streaming ``chat.completion`` object; on abstention its ``contacts`` say who to ask."""
    cites = citations(result, base_url)
    text = reply_text(result, cites, contacts)
    extra = {"contacts": list(contacts or [])} if result.abstained else {}
    return {
        "id": f"chatcmpl-{answer_id}",
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(question, text),
        "citations": cites,
        **extra,
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
                  include_usage: bool = False, contacts: list[dict] | None = None) -> Iterator[str]:
    """Server-sent events of ``chat.completion.chunk`` objects, then ``[DONE]``.

    The first chunk carries the role, then the text comes in pieces; the last chunk (with
    ``finish_reason``) carries ``citations`` (``contacts`` on abstention) and ``askintl``.
    """
    full = completion(result, question, answer_id, ask_payload, base_url, contacts=contacts)
    base = {"id": full["id"], "object": "chat.completion.chunk", "created": full["created"], "model": MODEL_ID}

    def event(obj: dict) -> str:
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    yield event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                      "finish_reason": None}]})
    for piece in _pieces(full["choices"][0]["message"]["content"]):
        yield event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    last = {k: full[k] for k in ("citations", "contacts", "askintl") if k in full}
    yield event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], **last})
    if include_usage:
        yield event({**base, "choices": [], "usage": full["usage"]})
    yield "data: [DONE]\n\n"


def error_body(message: str, status: int, param: str | None = None, code: str | None = None) -> dict:
    """OpenAI's error shape, so OpenAI clients show the message."""
    kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 413: "invalid_request_error", 422: "invalid_request_error",
            429: "rate_limit_error"}.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
