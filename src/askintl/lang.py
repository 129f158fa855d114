"""Script-based language guess and the question cues that do not depend on a model."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .text import HAN, HANGUL, KANA

_SCRIPT_RANGES = (
    ("zh", re.compile(f"[{HAN}]")),
    ("ja", re.compile(f"[{KANA}]")),
    ("ko", re.compile(f"[{HANGUL}]")),
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


def primary_language(tag: str | None) -> str:
    """The primary subtag of a BCP 47 language tag, lower case: "zh-Hant" -> "zh", "en_GB" -> "en".

    ``guess_language`` answers with primary subtags only, so a document's catalog language is
    compared to a question's through this (a "zh-Hant" page is in the language of a Chinese
    question)."""
    return re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()


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


# ---- answer kinds, in every script (features of the learned reader) -------------------------
# What a question asks for, and what a sentence holds. Each detector is a cue, not a parser:
# the reader learns how much each one is worth.
KINDS = ("number", "time", "duration", "money", "place", "person", "contact")

_Q_KIND = {
    "duration": re.compile(
        r"\b(how long|how many (days|weeks|months|years|hours)|combien de temps|cuánto tiempo|wie lange|"
        r"quanto tempo|berapa lama)\b|сколько (времени|дней|недель|месяцев|лет)|как долго|多长时间|多久|"
        r"几天|几个月|几年|どのくらい|どれくらい|何日|何年間|كم من الوقت|كم يوما|كم سنة|นานเท่าไร|กี่วัน|กี่ปี",
        re.IGNORECASE),
    "money": re.compile(
        r"\b(how much (does|do|is|are|will)|cost|costs|fee|fees|price|tuition|scholarship amount|prix|frais|coût|"
        r"precio|coste|matrícula|kosten|gebühr|biaya|yuran|harga)\b|стоимост|сколько стоит|плата|学费|费用|"
        r"多少钱|价格|奖学金金额|料金|費用|いくら|رسوم|تكلفة|سعر|ค่าใช้จ่าย|ราคา|ค่าเล่าเรียน",
        re.IGNORECASE),
    "time": _TIME_Q,
    "number": _NUMERIC_Q,
    "place": _PLACE_Q,
    "person": re.compile(r"\b(who|whom|whose|qui|quién|quiénes|wer|quem|siapa)\b|кто|кого|谁|誰|だれ|"
                         r"من هو|من هي|من هم|ใคร", re.IGNORECASE),
    "contact": re.compile(r"\b(e-?mail|phone|telephone|contact|website|web site|url|courriel|téléphone|"
                          r"correo|teléfono|telefon)\b|почт|телефон|сайт|邮箱|电话|网址|联系|メール|電話|"
                          r"البريد|هاتف|الموقع|อีเมล|โทรศัพท์", re.IGNORECASE),
}
_Q_KIND_EXTRA = {  # cues in scripts the older patterns above do not cover
    "number": re.compile(r"いくつ|何人|何名|何か国|何校|กี่|เท่าไร"),
    "time": re.compile(r"いつ|何年に|何月|เมื่อไร|เมื่อไหร่|ปีใด|ปีอะไร"),
    "place": re.compile(r"どこ|ที่ไหน|ที่ใด"),
}
_DIGIT = r"[\d٠-٩۰-۹๐-๙]"
_S_KIND = {
    "number": re.compile(_DIGIT + r"|[一二三四五六七八九十百千万亿两〇零]|\b(one|two|three|four|five|six|seven|"
                         r"eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|"
                         r"billion|dozen)\b", re.IGNORECASE),
    "time": re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b|\b(January|February|March|April|May|June|July|August|"
                       r"September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
                       r"spring|summer|autumn|fall|winter|century|since|until|before|after|deadline)\b|"
                       r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|" + _DIGIT + r"+\s*(年|月|日|号)|[一二三四五六七八九十]+月|"
                       r"世纪|年代|январ|феврал|март|апрел|мая|июн|июл|август|сентябр|октябр|ноябр|декабр|"
                       r"году|века|يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
                       r"عام|سنة|القرن|พ\.ศ\.|ค\.ศ\.|มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|"
                       r"สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม", re.IGNORECASE),
    "duration": re.compile(r"\b\w+[\s-](days?|weeks?|months?|years?|hours?|minutes?|semesters?|terms?)\b|"
                           + _DIGIT + r"+\s*(天|周|个月|個月|年|小时|日間|週間|か月|ヶ月|時間)|"
                           r"(дн|недел|месяц|лет|год|час)[а-я]*|(يوم|أيام|أسبوع|أسابيع|شهر|أشهر|سنوات|ساعة)|"
                           r"(วัน|สัปดาห์|เดือน|ปี|ชั่วโมง)", re.IGNORECASE),
    "money": re.compile(r"[$€£¥₽₹฿]|\b(USD|EUR|RMB|CNY|GBP|yuan|dollars?|euros?|pounds?|rubles?|roubles?|"
                        r"ringgit|baht|dirhams?|riyals?|free of charge|tuition|fees?)\b|元|美元|人民币|円|"
                        r"руб|долл|евро|دولار|ريال|درهم|جنيه|بาท", re.IGNORECASE),
    "place": re.compile(r"\b(in|at|from|near|to) [A-Z][\w-]+|\b(Road|Street|Avenue|Province|City|District|"
                        r"Building|Campus|located|address)\b|\d{5,6}|[省市区县路街镇]|都|県|府|"
                        r"город|улиц|провинц|مدينة|شارع|محافظة|จังหวัด|เมือง|ถนน"),
    "person": re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|Professor|President|Director|Dean|King|Queen|Sir)\b\.?|"
                         r"\b[A-Z][a-z]+ (?:[A-Z]\. )?[A-Z][a-z]+\b|先生|女士|教授|校长|主任|氏|さん|"
                         r"господин|профессор|ректор|الدكتور|الأستاذ|الرئيس|นาย|นาง|ศาสตราจารย์"),
    "contact": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\.|\+?\d[\d\s()-]{7,}\d"),
}


# "How much is the final exam worth?", "how much does the midterm count towards the grade?": a
# share of a grade (a number, a percentage), not a price, unless the question also names money.
# ("How much was the contract worth?" stays a price: no grade or exam in it.)
_SHARE_Q = re.compile(r"\b(worth|weigh(s|t|ted|ting)?|count(s|ed)? (for|towards?)|percent(age)?|proportion)\b|"
                      r"比例|比重|百分之|百分比|процент|доля|نسبة", re.IGNORECASE)
_GRADE_WORD = re.compile(r"\b(grades?|marks?|scores?|exams?|examination|midterms?|finals?|assignments?|quiz(zes)?|"
                         r"tests?|participation|homework|projects?|essays?|labs?|presentations?|attendance|coursework)\b|"
                         r"成绩|考试|作业|оценк|экзамен|درجة|امتحان", re.IGNORECASE)
_MONEY_NOUN = re.compile(r"\b(cost|costs|fee|fees|price|tuition|pay|euros?|dollars?|pounds?|yuan|rmb)\b|学费|费用|"
                         r"价格|多少钱|стоимост|плата|رسوم|تكلفة", re.IGNORECASE)


def question_kinds(question: str) -> frozenset[str]:
    """The kinds of answer a question asks for (empty: none that a pattern can tell)."""
    found = {k for k, rx in _Q_KIND.items() if rx.search(question)}
    found |= {k for k, rx in _Q_KIND_EXTRA.items() if rx.search(question)}
    if "money" in found and asks_share_of_grade(question):
        found.discard("money")
        found.add("number")
    if found & {"duration", "money"}:
        found.discard("number")  # "how much does it cost": the number is a price
    return frozenset(found)


@lru_cache(maxsize=65536)
def sentence_kinds(sentence: str) -> frozenset[str]:
    """The kinds of answer a sentence could give (cached: a corpus's sentences come back often)."""
    return frozenset(k for k, rx in _S_KIND.items() if rx.search(sentence))


# ---- strict answer evidence -------------------------------------------------------------------
# A few kinds of answer have a form no other sentence has: an e-mail, a phone number, a street
# address, an amount of money. When a question asks for one of them and a candidate sentence
# holds that form, the quote is chosen among those sentences (answer-type filtering): the
# learned ranker was trained on encyclopedic text, where such lines are rare.
_Q_STRICT = (
    ("contact", re.compile(r"\b(e-?mail|phone|telephone|fax|courriel|téléphone|correo|teléfono|telefon)\b|"
                           r"почт|телефон|邮箱|邮件|郵箱|郵件|电话|传真|メール|電話|البريد|هاتف|อีเมล|โทรศัพท์", re.IGNORECASE)),
    ("address", re.compile(r"\b(address|postal|mailing|adresse|dirección|endereço|alamat)\b|адрес|地址|住所|"
                           r"عنوان|ที่อยู่", re.IGNORECASE)),
    ("deadline", re.compile(r"\b(deadlines?|due dates?|closing dates?|last (day|date)|latest date|cut-?off date|"
                            r"by when|until when|date limite|fecha l[ií]mite|plazo|prazo|Frist|Bewerbungsschluss|"
                            r"tarikh akhir|batas waktu)\b|截止|最后一天|最晚什么时候|最晚(哪天|几号)|крайний срок|последний срок|"
                            r"срок подачи|последний день|до какого числа|"
                            r"آخر موعد|الموعد النهائي|موعد التقديم|締め切り|締切|応募期限|提出期限|申込期限", re.IGNORECASE)),
    ("money", re.compile(r"\b(cost|costs|fee|fees|price|tuition|how much money|how much (do|does|will) (\w+ ){1,3}(pay|charge)|"
                         r"prix|frais|coût|coûte|coûtent|combien (dois-je |faut-il )?payer|precio|coste|cuesta|cuestan|"
                         r"cuánto (pago|pagan|se paga|hay que pagar)|custa|custam|quanto (pago|pagar)|"
                         r"kosten|kostet|gebühr|biaya|yuran)\b|стоимост|сколько стоит|сколько платить|плата|学费|费用|"
                         r"多少钱|价格|交多少|付多少|料金|費用|いくら|رسوم|تكلفة|سعر|كم يكلف|كم تكلف|ค่าใช้จ่าย|ราคา|"
                         r"ค่าเล่าเรียน", re.IGNORECASE)),
    # "How much is the ten-week course?", "how much are the halls?": a price, most likely, but
    # also "how much is the final exam worth?" or "how much is the weekly work limit?", so a
    # sentence with an amount is preferred, and none is not a reason to refuse (not required)
    ("price", re.compile(r"\bhow much (is|are|was|were|will) (the|a|an|my|our|your|one|each)\b(?!.*\b(worth|weigh\w*|"
                         r"count\w*|percent\w*|limit|time|long)\b)", re.IGNORECASE)),
    # a count: "how many", "the number of", 多少 / 几个, сколько, كم, combien, cuántos, wie viele
    ("count", re.compile(r"\b(how many|(what|which) (is|was|are) the (total )?number of|combien|cu[aá]nt[oa]s|"
                         r"wie viele|quant[oa]s|berapa)\b|多少|几[个位名所家次种门项人年天周]|幾[個位名所家次種門項人年天週]|"
                         r"сколько|\bكم\b|いくつ|何人|何名|何回|何校|何か国|กี่", re.IGNORECASE)),
)
_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December|"
           r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|janvier|février|mars|avril|mai|juin|juillet|août|"
           r"septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
           r"septiembre|octubre|noviembre|diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|"
           r"novembro|dezembro|Januar|Februar|März|Juni|Juli|Oktober|Dezember|Januari|Februari|Mac|Mei|"
           r"Julai|Ogos|Disember")
_S_STRICT = {
    # a day of a month, a numeric date, or a time counted from an event ("two weeks before the
    # semester starts"): a bare year is not a deadline
    "deadline": re.compile(
        rf"\b\d{{1,2}}(st|nd|rd|th|er|º)?\.?\s+(of\s+|de\s+)?({_MONTHS})\b|\b({_MONTHS})\.?\s+\d{{1,2}}\b|"
        r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|[\d一二三四五六七八九十]+\s*月\s*[\d一二三四五六七八九十]+\s*[日号]|"
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a)\s+(calendar\s+|working\s+|business\s+)?"
        r"(days?|weeks?|months?)\s+(before|after|prior to|of)\b|"
        r"\d{1,2}\s+(январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*|"
        r"\d{1,2}\s+(يناير|فبراير|مارس|أبريل|إبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
        r"كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين)|"
        r"[٠-٩]{1,2}\s+(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)|"
        # a month on its own ("by the end of March"; not "May", which is also a verb)
        r"\b(January|February|March|April|June|July|August|September|October|November|December|janvier|février|"
        r"avril|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|junio|julio|agosto|"
        r"septiembre|octubre|noviembre|diciembre)\b|[\d一二三四五六七八九十]+\s*月|"
        r"\bв\s+(январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)\b",
        re.IGNORECASE),
    "address": re.compile(r"\b(Road|Rd\.|Street|St\.|Avenue|Ave\.|Boulevard|Blvd\.|Lane|Drive|Building|Room|"
                          r"P\.\s?O\.\s?Box|Postcode|Zip)\b|\b\d{5,6}\b|路\s*\d+\s*号|街\s*\d+\s*号|〒|улиц|ул\.|"
                          r"проспект|شارع|ص\.ب|ถนน|ซอย"),
    "money": re.compile(r"\b(free of charge|tuition-free|no tuition)\b|免费|免学费|бесплатн|مجان|ฟรี|"
                        r"[$€£¥₽₹฿]\s?\d|\d[\d,.]*\s?[$€£¥₽₹฿]|\b(USD|EUR|RMB|CNY|GBP|CHF|AUD|CAD|HKD|SGD|MYR|JPY)\s?\d|\d[\d,.\s]*\s?(USD|EUR|RMB|CNY|GBP|yuan|dollars?|euros?|pounds?|rubles?|"
                        r"roubles?|ringgit|baht|dirhams?|riyals?|元|万元|美元|円|руб|долл|евро|دولار|ريال|درهم|جنيه|บาท)",
                        re.IGNORECASE),
    # a number in digits (any script), in CJK or Thai numerals, or in words
    "count": re.compile(_DIGIT + r"|[〇一二三四五六七八九十百千万億亿两兩]|หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ร้อย|พัน|"
                        r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
                        r"forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|"
                        r"both|half|once|twice|single|a pair|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|"
                        r"onze|douze|vingt|trente|cent|mille|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|"
                        r"diez|cien|ciento|mil|ein|eine|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|"
                        r"tausend|од(ин|на|но)|дв(а|е|ое|ух)|тр(и|ое|ех|ёх)|четыр\w*|пят\w*|шест\w*|сем(ь|и)|"
                        r"восем\w*|девят\w*|десят\w*|двадцат\w*|тридцат\w*|сорок\w*|сто|сотни|тысяч\w*|"
                        r"миллион\w*|оба|обе|половин\w*)\b|واحد|اثن|ثلاث|أربع|خمس|سبع|ثمان|تسع|عشر|مئة|مائة|"
                        r"ألف|آلاف|مليون|ملايين", re.IGNORECASE),
}


DATE_FORM = _S_STRICT["deadline"]  # a day of a month, a numeric date, a month, a time counted from an event
_S_STRICT["price"] = _S_STRICT["money"]  # "how much is the course?": an amount, preferred (not in REQUIRED_FORM)

# A count is not a date: "How many international students study here?" is not answered by "from 18
# to 22 August 2025", whose numbers are days and a year. A question that counts units of time ("how
# many days / years / 多少天") may be answered by a date range, so it keeps every number.
_DATE_NUMBERS = re.compile(
    r"\b\d{1,2}(st|nd|rd|th)?\s*(-|–|—|to|and|until|till|au|al|a|bis|по|до)\s*"
    rf"(?=\d{{1,2}}(st|nd|rd|th|er|º)?\.?\s+(of\s+|de\s+)?({_MONTHS})\b)|"   # the "18 to" of "18 to 22 August"
    rf"{_S_STRICT['deadline'].pattern}|"
    r"\b(1[5-9]|20)\d\d\b|\b\d{1,2}[:.h]\d{2}\b|\d+\s*[年月日号時点]|"
    r"\b\d{1,2}(\s*(am|pm|a\.m\.|p\.m\.))\b",
    re.IGNORECASE)
_Q_TIME_UNIT = re.compile(
    r"\b(years?|months?|weeks?|days?|hours?|minutes?|semesters?|terms?|nights?|times|ans|années|mois|semaines|"
    r"jours|heures|años|meses|semanas|días|horas|veces|Jahre|Monate|Wochen|Tage|Stunden|tahun|bulan|minggu|hari|"
    r"jam)\b|年|个月|個月|周|週|天|日|小时|小時|学期|學期|次|лет|год|месяц|недел|дн(ей|я)|час|раз|семестр|"
    r"سنة|سنوات|عام|أعوام|شهر|أشهر|أسبوع|يوم|أيام|ساعة|ساعات|مرة|ปี|เดือน|สัปดาห์|วัน|ชั่วโมง|ครั้ง|時間|週間|日間|回",
    re.IGNORECASE)


@lru_cache(maxsize=65536)
def _counts(text: str) -> bool:
    count = _S_STRICT["count"]
    return bool(count.search(text) and count.search(_DATE_NUMBERS.sub(" ", text)))


class _CountForm:
    """``search(sentence)``: a number in the sentence once its dates and times are set aside."""

    def search(self, text: str) -> bool:
        return _counts(text)


_COUNT_NOT_DATE = _CountForm()


# Kinds whose form is so regular that sources without it cannot hold the answer: a fee question
# over passages that state no amount (and nothing free of charge) is not answered by them, nor a
# deadline question by passages that give no date.
REQUIRED_FORM = frozenset({"contact", "money", "deadline", "count"})


# Within "contact": a question that asks only for an e-mail address is not answered by a phone
# number beside it on the same contact block, and one that asks only for a phone number not by an
# e-mail address.
_Q_EMAIL = re.compile(r"\b(e-?mail|courriel|correo)\b|почт|邮箱|邮件|郵箱|郵件|电邮|メール|البريد|อีเมล", re.IGNORECASE)
_Q_PHONE = re.compile(r"\b(phone|telephone|téléphone|teléfono|telefon|call)\b|телефон|电话|電話|هاتف|โทรศัพท์",
                      re.IGNORECASE)
_S_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_S_PHONE = re.compile(r"(?:\+|\(0?\d)[\d\s()/-]{6,}\d|\b\d{2,4}[-\s]\d{3,4}[-\s]\d{3,4}\b|\b\d{3}[-.]\d{4}\b")
_S_CONTACT = re.compile(f"{_S_EMAIL.pattern}|{_S_PHONE.pattern}")
EMAIL_FORM, PHONE_FORM = _S_EMAIL, _S_PHONE  # an e-mail address, a phone number, as written on a page


# A share of a grade is given as a percentage or as points: "| Final exam | 25% |", "counts for 40 percent",
# "worth 200 points", not as the exam's date.
_S_SHARE = re.compile(_DIGIT + r"+(?:[.,]\d+)?\s*(?:%|％|٪|percent\b|per cent\b|pour cent|por ciento|процент|"
                      r"points?\b|pts\b|分)|百分之", re.IGNORECASE)


def asks_share_of_grade(question: str) -> bool:
    """"How much is the final exam worth?", "what percentage of the grade is homework?": a share of a
    grade, not a price (unless the question also names money)."""
    return bool(_SHARE_Q.search(question) and _GRADE_WORD.search(question) and not _MONEY_NOUN.search(question))


def strict_evidence(question: str) -> tuple[str, re.Pattern] | None:
    """(kind, the form a quote must have) for this question, or None."""
    if asks_share_of_grade(question):
        return "share", _S_SHARE  # preferred, not required: "Attendance counts towards the grade" may answer
    for kind, rx in _Q_STRICT:
        if rx.search(question):
            if kind == "contact":
                email, phone = bool(_Q_EMAIL.search(question)), bool(_Q_PHONE.search(question))
                return kind, _S_EMAIL if email and not phone else _S_PHONE if phone and not email else _S_CONTACT
            if kind == "count" and not _Q_TIME_UNIT.search(question):
                return kind, _COUNT_NOT_DATE
            return kind, _S_STRICT[kind]
    return None
