/*! askintl widget: ask a university's international office, get exact cited quotes.
 *
 * One tag:  <script src="https://HOST/widget.js" defer
 *                   data-server="https://HOST/" data-lang="ar" data-title="..."
 *                   data-accent="#0b57d0" data-position="right|left" data-open="true"
 *                   data-z-index="2147483000" data-offset-x="16" data-offset-y="16"
 *                   data-institution="Name, Alias" data-welcome="..." data-starters="Q1|Q2"></script>
 * Inline:   <askintl-chat data-server="https://HOST/"></askintl-chat>
 *
 * A custom element with a Shadow DOM: the page's CSS and the widget's do not leak into each
 * other. Every text from the server, the corpus or the reader is set with textContent or
 * createTextNode, never parsed as HTML. No framework, no build step.
 */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("askintl-chat")) return;

  var SCRIPT = document.currentScript;
  var SCRIPT_BASE = SCRIPT && SCRIPT.src ? new URL(".", SCRIPT.src).href : new URL("/", location.href).href;
  var MAX_HISTORY = 10;
  var CONTEXT_CHARS = 180;
  var TIMEOUT_MS = 30000;
  // When the panel takes the whole screen (and is then modal): the same query in CSS and script.
  var FULL_SCREEN = "(max-width:480px),(max-height:520px)";

  var I18N = {
    en: {
      title: "Ask the International Office", open: "Ask the International Office", short: "Ask us",
      close: "Close", label: "Your question", placeholder: "Type your question…", send: "Send",
      intro: "Ask about programmes, partners, exchanges and international students. Every answer is an exact quote from the official materials, with its source.",
      you: "You", answer: "Answer", searching: "Searching the official materials…",
      notFound: "Not in the official materials",
      notFoundText: "The official materials indexed here do not clearly answer this question.",
      related: "Related passages", sources: "Sources", quoteFrom: "Quote from",
      newTab: "(opens in a new tab)", exact: "exact text", helpfulQ: "Was this helpful?",
      yes: "Helpful", no: "Not helpful", thanks: "Thank you for your feedback.",
      comment: "What was wrong? (optional)", commentSend: "Send comment",
      errNetwork: "The server could not be reached. Please try again.",
      errRate: "Too many questions at once. Please wait {s} seconds and try again.",
      errGeneric: "Sorry, this question could not be answered.",
      note: "Answers are exact quotes from the official materials.",
      errCors: "This page ({origin}) is not allowed to use the askintl server. Web administrator: add {origin} to ASKINTL_CORS_ORIGINS on the server and restart it.",
      retry: "Try again", lowConf: "Low confidence:",
      lowConfText: "this quote may not fully answer your question. Please check it against the source."
    },
    zh: {
      title: "咨询国际交流处", open: "咨询国际交流处", short: "提问", close: "关闭", label: "您的问题",
      placeholder: "请输入您的问题…", send: "发送",
      intro: "可以询问项目、合作伙伴、交流和国际学生等问题。每个回答都是官方资料的原文引用，并注明出处。",
      you: "您", answer: "回答", searching: "正在查找官方资料…", notFound: "官方资料中没有相关内容",
      notFoundText: "已收录的官方资料没有明确回答这个问题。", related: "相关段落", sources: "来源",
      quoteFrom: "引自", newTab: "（在新标签页中打开）", exact: "原文", helpfulQ: "这个回答有帮助吗？",
      yes: "有帮助", no: "没有帮助", thanks: "感谢您的反馈。", comment: "哪里有问题？（可选）",
      commentSend: "提交意见", errNetwork: "无法连接服务器，请重试。",
      errRate: "提问过于频繁，请等待 {s} 秒后再试。", errGeneric: "抱歉，无法回答这个问题。",
      note: "回答均为官方资料的原文引用。",
      errCors: "本页面（{origin}）未获准使用 askintl 服务器。网站管理员：请在服务器的 ASKINTL_CORS_ORIGINS 中加入 {origin}，然后重启服务。",
      retry: "重试", lowConf: "置信度较低：", lowConfText: "这段引文可能没有完全回答您的问题，请对照来源核实。"
    },
    ru: {
      title: "Вопрос в международный отдел", open: "Спросить международный отдел", short: "Спросить",
      close: "Закрыть", label: "Ваш вопрос", placeholder: "Введите вопрос…", send: "Отправить",
      intro: "Спрашивайте о программах, партнёрах, обменах и иностранных студентах. Каждый ответ — точная цитата из официальных материалов с указанием источника.",
      you: "Вы", answer: "Ответ", searching: "Ищем в официальных материалах…",
      notFound: "В официальных материалах этого нет",
      notFoundText: "Собранные здесь официальные материалы не дают ясного ответа на этот вопрос.",
      related: "Связанные фрагменты", sources: "Источники", quoteFrom: "Цитата из",
      newTab: "(откроется в новой вкладке)", exact: "точный текст", helpfulQ: "Это было полезно?",
      yes: "Полезно", no: "Не полезно", thanks: "Спасибо за отзыв.",
      comment: "Что было не так? (необязательно)", commentSend: "Отправить комментарий",
      errNetwork: "Не удалось связаться с сервером. Попробуйте ещё раз.",
      errRate: "Слишком много вопросов. Подождите {s} с и попробуйте снова.",
      errGeneric: "К сожалению, на этот вопрос не удалось ответить.",
      note: "Ответы — точные цитаты из официальных материалов.",
      errCors: "Этой странице ({origin}) не разрешено обращаться к серверу askintl. Администратору сайта: добавьте {origin} в ASKINTL_CORS_ORIGINS на сервере и перезапустите его.",
      retry: "Повторить", lowConf: "Низкая уверенность:",
      lowConfText: "эта цитата может не полностью отвечать на ваш вопрос. Сверьте её с источником."
    },
    ar: {
      title: "اسأل مكتب الشؤون الدولية", open: "اسأل مكتب الشؤون الدولية", short: "اسأل", close: "إغلاق",
      label: "سؤالك", placeholder: "اكتب سؤالك…", send: "إرسال",
      intro: "اسأل عن البرامج والشركاء والتبادل والطلاب الدوليين. كل إجابة اقتباس حرفي من المواد الرسمية مع ذكر مصدره.",
      you: "أنت", answer: "الإجابة", searching: "جارٍ البحث في المواد الرسمية…",
      notFound: "غير موجود في المواد الرسمية",
      notFoundText: "المواد الرسمية المفهرسة هنا لا تجيب عن هذا السؤال بوضوح.", related: "مقاطع ذات صلة",
      sources: "المصادر", quoteFrom: "اقتباس من", newTab: "(يفتح في علامة تبويب جديدة)", exact: "النص الحرفي",
      helpfulQ: "هل كانت الإجابة مفيدة؟", yes: "مفيدة", no: "غير مفيدة", thanks: "شكرًا على ملاحظاتك.",
      comment: "ما الخطأ؟ (اختياري)", commentSend: "إرسال التعليق",
      errNetwork: "تعذّر الاتصال بالخادم. يرجى المحاولة مرة أخرى.",
      errRate: "أسئلة كثيرة في وقت قصير. يرجى الانتظار {s} ثانية ثم المحاولة مرة أخرى.",
      errGeneric: "عذرًا، تعذّرت الإجابة عن هذا السؤال.", note: "الإجابات اقتباسات حرفية من المواد الرسمية.",
      errCors: "هذه الصفحة ({origin}) غير مسموح لها باستخدام خادم askintl. على مسؤول الموقع إضافة {origin} إلى ASKINTL_CORS_ORIGINS على الخادم ثم إعادة تشغيله.",
      retry: "إعادة المحاولة", lowConf: "ثقة منخفضة:",
      lowConfText: "قد لا يجيب هذا الاقتباس عن سؤالك إجابةً كاملة. يرجى التحقق منه في المصدر."
    },
    fr: {
      title: "Relations internationales", open: "Interroger le service des relations internationales",
      short: "Une question ?", close: "Fermer", label: "Votre question", placeholder: "Saisissez votre question…",
      send: "Envoyer",
      intro: "Posez vos questions sur les programmes, les partenaires, les échanges et les étudiants internationaux. Chaque réponse est une citation exacte des documents officiels, avec sa source.",
      you: "Vous", answer: "Réponse", searching: "Recherche dans les documents officiels…",
      notFound: "Absent des documents officiels",
      notFoundText: "Les documents officiels indexés ici ne répondent pas clairement à cette question.",
      related: "Passages liés", sources: "Sources", quoteFrom: "Citation de",
      newTab: "(s’ouvre dans un nouvel onglet)", exact: "texte exact",
      helpfulQ: "Cette réponse vous a-t-elle aidé ?", yes: "Utile", no: "Pas utile",
      thanks: "Merci pour votre avis.", comment: "Qu’est-ce qui n’allait pas ? (facultatif)",
      commentSend: "Envoyer le commentaire", errNetwork: "Impossible de joindre le serveur. Veuillez réessayer.",
      errRate: "Trop de questions à la fois. Veuillez patienter {s} secondes puis réessayer.",
      errGeneric: "Désolé, impossible de répondre à cette question.",
      note: "Les réponses sont des citations exactes des documents officiels.",
      errCors: "Cette page ({origin}) n’est pas autorisée à utiliser le serveur askintl. Administrateur du site : ajoutez {origin} à ASKINTL_CORS_ORIGINS sur le serveur, puis redémarrez-le.",
      retry: "Réessayer", lowConf: "Confiance faible :",
      lowConfText: "cette citation ne répond peut-être pas entièrement à votre question. Vérifiez-la dans la source."
    },
    es: {
      title: "Oficina Internacional", open: "Preguntar a la Oficina Internacional", short: "Preguntar",
      close: "Cerrar", label: "Su pregunta", placeholder: "Escriba su pregunta…", send: "Enviar",
      intro: "Pregunte sobre programas, socios, intercambios y estudiantes internacionales. Cada respuesta es una cita exacta de los materiales oficiales, con su fuente.",
      you: "Usted", answer: "Respuesta", searching: "Buscando en los materiales oficiales…",
      notFound: "No está en los materiales oficiales",
      notFoundText: "Los materiales oficiales indexados aquí no responden claramente a esta pregunta.",
      related: "Pasajes relacionados", sources: "Fuentes", quoteFrom: "Cita de",
      newTab: "(se abre en una pestaña nueva)", exact: "texto exacto", helpfulQ: "¿Le resultó útil?",
      yes: "Útil", no: "No útil", thanks: "Gracias por su opinión.", comment: "¿Qué estaba mal? (opcional)",
      commentSend: "Enviar comentario", errNetwork: "No se pudo conectar con el servidor. Inténtelo de nuevo.",
      errRate: "Demasiadas preguntas seguidas. Espere {s} segundos e inténtelo de nuevo.",
      errGeneric: "Lo sentimos, no se pudo responder a esta pregunta.",
      note: "Las respuestas son citas exactas de los materiales oficiales.",
      errCors: "Esta página ({origin}) no tiene permiso para usar el servidor askintl. Administrador del sitio: añada {origin} a ASKINTL_CORS_ORIGINS en el servidor y reinícielo.",
      retry: "Reintentar", lowConf: "Confianza baja:",
      lowConfText: "es posible que esta cita no responda del todo a su pregunta. Compruébela en la fuente."
    }
  };
  /* Strings added with the institution scope, conversation memory and language switcher, in MORE_KEYS order. */
  var MORE_KEYS = ["newChat", "language", "starters", "contactOf", "contactAny", "email", "phone", "form", "address"];
  var MORE = {
    en: ["New conversation", "Language", "Suggested questions",
      "Please contact the international office of {name} directly: it can answer what the official materials here do not.",
      "Please contact your institution’s international office directly: it can answer what the official materials here do not.",
      "E-mail", "Phone", "Contact form", "Address"],
    zh: ["新对话", "语言", "常见问题", "请直接联系{name}的国际交流部门，他们可以解答这里的官方资料没有涵盖的问题。",
      "请直接联系您所在院校的国际交流部门，他们可以解答这里的官方资料没有涵盖的问题。", "电子邮件", "电话", "联系表单", "地址"],
    ru: ["Новый разговор", "Язык", "Примеры вопросов",
      "Обратитесь напрямую в международный отдел {name}: там ответят на то, чего нет в официальных материалах.",
      "Обратитесь напрямую в международный отдел вашего вуза: там ответят на то, чего нет в официальных материалах.",
      "Эл. почта", "Телефон", "Форма обратной связи", "Адрес"],
    ar: ["محادثة جديدة", "اللغة", "أسئلة مقترحة",
      "يرجى التواصل مباشرةً مع مكتب الشؤون الدولية في {name}، فبإمكانه الإجابة عمّا لا تتناوله المواد الرسمية هنا.",
      "يرجى التواصل مباشرةً مع مكتب الشؤون الدولية في مؤسستك، فبإمكانه الإجابة عمّا لا تتناوله المواد الرسمية هنا.",
      "البريد الإلكتروني", "الهاتف", "نموذج التواصل", "العنوان"],
    fr: ["Nouvelle conversation", "Langue", "Questions suggérées",
      "Contactez directement le service des relations internationales de {name} : il peut répondre à ce que les documents officiels indexés ici ne disent pas.",
      "Contactez directement le service des relations internationales de votre établissement : il peut répondre à ce que les documents officiels indexés ici ne disent pas.",
      "E-mail", "Téléphone", "Formulaire de contact", "Adresse"],
    es: ["Nueva conversación", "Idioma", "Preguntas sugeridas",
      "Contacte directamente con la oficina internacional de {name}: puede responder lo que los materiales oficiales de aquí no dicen.",
      "Contacte directamente con la oficina internacional de su institución: puede responder lo que los materiales oficiales de aquí no dicen.",
      "Correo electrónico", "Teléfono", "Formulario de contacto", "Dirección"]
  };
  Object.keys(MORE).forEach(function (code) { MORE_KEYS.forEach(function (k, i) { I18N[code][k] = MORE[code][i]; }); });
  var LANG_NAMES = { en: "English", zh: "中文", ru: "Русский", ar: "العربية", fr: "Français", es: "Español" };
  var RTL = { ar: true, he: true, fa: true, ur: true };
  var LANG_KEY = "askintl:lang";  // the reader's choice in the switcher, for this tab and site
  var MAX_KEPT = 40;  // messages kept in sessionStorage

  /* sessionStorage (this tab, this site), never throwing: storage may be off or full. */
  function recall(key) { try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function keep(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* the conversation just does not survive navigation */ }
  }

  /* A per-language value: map[lang], else map["*"] (any language), else map.en. */
  function pick(map, lang) { return map ? map[lang] || map["*"] || map.en || null : null; }

  /* data-welcome / data-starters: plain text (starters split on "|"), or JSON {"en": ..., "ar": ...}. */
  function fromAttr(value, lang, list) {
    value = String(value || "").trim();
    if (!value) return null;
    if (value.charAt(0) === "{") { try { value = pick(JSON.parse(value), lang); } catch (e) { return null; } }
    if (!list) return typeof value === "string" ? value : null;
    value = Array.isArray(value) ? value : String(value || "").split("|");
    value = value.map(function (q) { return String(q).trim(); }).filter(Boolean);
    return value.length ? value.slice(0, 6) : null;
  }

  function pickLang(explicit) {
    var wanted = [explicit, document.documentElement.lang].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || "").toLowerCase().split(/[-_]/)[0];
      if (I18N[code]) return code;
    }
    return "en";
  }

  /* el("a", {href: url, className: "x"}, "text", node, [nodes]): attributes via setAttribute,
     children as text nodes or nodes. Never HTML. */
  function el(tag, props) {
    var node = document.createElement(tag);
    for (var key in props || {}) {
      var value = props[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    var add = function (child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) child.forEach(add);
      else node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    };
    for (var i = 2; i < arguments.length; i++) add(arguments[i]);
    return node;
  }

  /* Retry-After: seconds or an HTTP date; 30 s if absent or unreadable. */
  function retryAfterSeconds(value) {
    value = String(value || "").trim();
    if (/^\d+$/.test(value)) return Math.max(1, parseInt(value, 10));
    var when = Date.parse(value);
    return isNaN(when) ? 30 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
  }

  function mailto(value) { return /^[\w.+-]+@[\w-]+(\.[\w-]+)+$/.test(value || "") ? "mailto:" + value : null; }
  function tel(value) {
    var digits = String(value || "").replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
    return /\d{3}/.test(digits) ? "tel:" + digits : null;
  }

  function safeHttpUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  /* "as of <date>" after a source whose page date or fetch date the server gives (provenance.py). */
  var AS_OF = { en: "as of", zh: "截至", ru: "по состоянию на", ar: "حتى تاريخ", fr: "au", es: "a fecha de" };

  /* A text fragment (#:~:text=) so that browsers that support it highlight the quote on the source page. */
  function withTextFragment(url, quote) {
    var words = String(quote || "").trim().split(/\s+/).filter(Boolean);
    if (!words.length) return url;
    var enc = function (s) { return encodeURIComponent(s).replace(/-/g, "%2D").replace(/,/g, "%2C"); };
    var frag = words.length <= 8 ? enc(words.join(" "))
      : enc(words.slice(0, 4).join(" ")) + "," + enc(words.slice(-4).join(" "));
    return url.split("#")[0] + "#:~:text=" + frag;
  }

  function trimContext(text, fromEnd) {
    text = text.replace(/\s+/g, " ");
    text = fromEnd ? text.replace(/^ /, "") : text.replace(/ $/, "");
    if (text.length <= CONTEXT_CHARS) return text;
    if (fromEnd) {
      var tail = text.slice(text.length - CONTEXT_CHARS);
      return "…" + tail.slice(Math.max(0, tail.search(/\s/)) ).replace(/^\s+/, "");
    }
    var head = text.slice(0, CONTEXT_CHARS);
    var cut = head.lastIndexOf(" ");
    return (cut > CONTEXT_CHARS / 2 ? head.slice(0, cut) : head) + "…";
  }

  /* Where a passage stands in its page: "Admissions › Deadlines · When is the deadline?" (its
     headings, outermost first, then the FAQ question it answers), as a muted line; null if neither. */
  function placeLine(p) {
    var path = p && Array.isArray(p.heading_path) ? p.heading_path.filter(Boolean).join(" › ") : "";
    var text = [path, p && p.faq_question].filter(Boolean).join(" · ");
    return text ? el("span", { className: "place", dir: "auto", title: text, text: text }) : null;
  }

  function parseRgb(color) {
    var m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color || "");
    return m ? [+m[1], +m[2], +m[3]] : null;
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  var STYLES = [
    ":host{all:initial}",
    ":host([data-mode=floating]){all:initial !important}",
    ":host(:not([data-mode=floating])){display:block;min-height:420px}",
    ".root{all:initial;display:block;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic','Noto Sans SC','DejaVu Sans',Arial,sans-serif;",
    "font-size:15px;line-height:1.5;color:#1f1f1f;--accent:#0b57d0;--on-accent:#fff;--link:#0b57d0;height:100%}",
    ":where(.root) *{box-sizing:border-box}",
    "button,input,textarea{font:inherit;letter-spacing:inherit}",
    ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    "button{cursor:pointer;border:0;background:none;margin:0}",
    ":focus-visible{outline:3px solid #1f1f1f;outline-offset:2px}",
    /* Placement: --z and --z-panel (data-z-index), --off-x and --off-y (data-offset-x/-y); --vv-top,
       --vv-h and --kb follow the visual viewport while an on-screen keyboard hides part of the page. */
    ".launcher{position:fixed;bottom:var(--off-y,16px);inset-inline-end:var(--off-x,16px);z-index:var(--z,2147483000);",
    "display:flex;align-items:center;gap:8px;",
    "min-height:52px;padding:0 20px 0 16px;border-radius:26px;background:var(--accent);color:var(--on-accent);",
    "font-weight:600;box-shadow:0 4px 16px rgba(0,0,0,.25)}",
    ".root.left .launcher{inset-inline-end:auto;left:var(--off-x,16px)}.root.right .launcher{inset-inline-end:auto;right:var(--off-x,16px)}",
    ".launcher svg{width:24px;height:24px;fill:currentColor;flex:none}",
    ".panel{display:flex;flex-direction:column;background:#fff;overflow:hidden}",
    ".panel[hidden]{display:none}",
    ".floating .panel{position:fixed;z-index:var(--z-panel,2147483001);bottom:calc(var(--off-y,16px) + 64px + var(--kb,0px));",
    "inset-inline-end:var(--off-x,16px);width:min(400px,calc(100vw - 16px));",
    "height:min(620px,calc(var(--vv-h,100vh) - var(--off-y,16px) - 80px));",
    "border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.3);border:1px solid #c4c7c5}",
    "@supports (height:1dvh){.floating .panel{height:min(620px,calc(var(--vv-h,100dvh) - var(--off-y,16px) - 80px))}}",
    ".root.floating.left .panel{inset-inline-end:auto;left:var(--off-x,16px)}.root.floating.right .panel{inset-inline-end:auto;right:var(--off-x,16px)}",
    ".inline .panel{height:100%;min-height:420px;border:1px solid #c4c7c5;border-radius:12px}",
    "header{flex:none;display:flex;align-items:center;gap:8px;padding:10px 12px 10px 16px;background:var(--accent);color:var(--on-accent)}",
    "h2{flex:1;min-width:0;margin:0;font-size:16px;font-weight:700;color:var(--on-accent);overflow-wrap:anywhere}",
    ".close,.new{flex:none;width:40px;height:40px;border-radius:20px;font-size:24px;line-height:40px;text-align:center;color:var(--on-accent)}",
    ".new svg{width:22px;height:22px;fill:currentColor;vertical-align:middle}",
    ".lang{flex:none;max-width:96px;height:32px;padding:0 2px;border:1px solid currentColor;border-radius:8px;background:transparent;color:var(--on-accent);font-size:13px}",
    ".lang option{color:#1f1f1f;background:#fff}",
    "header :focus-visible{outline-color:var(--on-accent)}",
    ".starters{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}",
    ".starters button{border:1px solid var(--link);border-radius:16px;padding:4px 12px;min-height:32px;color:var(--link);background:#fff;text-align:start}",
    ".office{margin-top:8px;padding:8px 10px;border-radius:8px;background:#e8f0fe}",
    ".office h3{margin:0 0 4px;color:#1f1f1f}.office p{margin:0 0 4px}.office ul{padding-inline-start:18px}",
    ".log{position:relative;flex:1;min-height:0;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:12px;background:#f8f9fa}",
    ".intro,.note{margin:0;font-size:13px;color:#444746}",
    ".msg{max-width:100%;word-wrap:break-word;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;max-width:85%;background:var(--accent);color:var(--on-accent);padding:8px 12px;border-radius:14px;white-space:pre-wrap}",
    ".bot{align-self:stretch;background:#fff;border:1px solid #dadce0;border-radius:12px;padding:10px 12px}",
    ".bot h3{margin:8px 0 4px;font-size:13px;font-weight:700;color:#444746}",
    "blockquote{margin:0;padding:4px 10px;border-inline-start:4px solid var(--accent);white-space:pre-wrap}",
    ".ctx{color:#444746}",
    ".place{display:block;margin:0 0 2px;font-size:12px;color:#5f6368;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    "mark{background:#ffe58a;color:#1f1f1f;padding:1px 2px;border-radius:2px;font-weight:600}",
    ".cite{display:block;margin-top:6px;font-size:13px}",
    "a{color:var(--link);text-decoration:underline;text-underline-offset:2px}",
    "ol{margin:0;padding-inline-start:22px;font-size:13px}li{margin:2px 0}",
    ".excerpt{display:block;color:#444746;margin-top:2px}",
    ".nf{margin:0 0 4px;font-weight:700}.nf-text{margin:0}",
    ".fb{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px;font-size:13px;color:#444746}",
    ".fb button,.comment button{border:1px solid #747775;border-radius:16px;padding:4px 12px;min-height:32px;color:#1f1f1f;background:#fff}",
    ".fb button[aria-pressed=true]{background:#1f1f1f;color:#fff;border-color:#1f1f1f}",
    ".comment{display:flex;gap:6px;width:100%}.comment input{flex:1;min-width:0;border:1px solid #747775;border-radius:8px;padding:4px 8px;background:#fff}",
    ".pending{color:#444746;font-style:italic}",
    ".error{align-self:stretch;background:#fce8e6;color:#8c1d18;border-radius:10px;padding:8px 12px}",
    "form{flex:none;display:flex;gap:8px;padding:10px 12px;border-top:1px solid #dadce0;background:#fff;align-items:flex-end}",
    "textarea{flex:1;min-width:0;resize:none;max-height:120px;border:1px solid #747775;border-radius:10px;padding:8px 10px;background:#fff;color:#1f1f1f}",
    "textarea::placeholder{color:#5f6368}",
    ".send{min-height:40px;padding:0 16px;border-radius:10px;background:var(--accent);color:var(--on-accent);font-weight:600}",
    ".send[disabled]{opacity:.6;cursor:default}",
    ".note{padding:0 12px 8px;background:#fff}",
    ".msg.error .retry{display:inline-block;margin-inline-start:8px;border:1px solid #8c1d18;border-radius:16px;padding:2px 12px;",
    "min-height:32px;color:#8c1d18;background:#fff}",
    ".msg.error .retry[disabled]{opacity:.6;cursor:default}",
    ".bot.low{border-color:#b06000;border-inline-start:4px solid #b06000}",
    ".lowconf{display:flex;gap:6px;align-items:flex-start;margin:0 0 8px;padding:6px 8px;border-radius:8px;background:#fef7e0;color:#5c3c00;font-size:13px}",
    ".lowconf .icon{flex:none;width:18px;height:18px;border-radius:9px;background:#b06000;color:#fff;font-weight:700;text-align:center;line-height:18px;font-size:12px}",
    /* Small or short screens (phones, landscape, 400 % zoom): the panel takes the whole screen. */
    "@media " + FULL_SCREEN + "{.root.floating .panel,.root.floating.left .panel,.root.floating.right .panel{top:var(--vv-top,0px);left:0;right:0;bottom:auto;width:auto;",
    "height:var(--vv-h,100vh);border-radius:0;border:0;box-shadow:none}",
    ".root.floating .launcher{bottom:var(--off-y,12px)}}",
    "@supports (height:1dvh){@media " + FULL_SCREEN + "{.root.floating .panel,.root.floating.left .panel,.root.floating.right .panel{height:var(--vv-h,100dvh)}}}",
    /* Short screens: a compact header and input, so that the conversation keeps most of the height. */
    "@media (max-height:420px){header{padding:2px 6px 2px 12px}h2{font-size:15px}",
    "h2{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.close,.new{width:36px;height:36px;line-height:36px}form{padding:6px 8px}textarea{height:40px;padding:6px 8px}",
    ".log{padding:8px 10px;gap:8px}.root .note{display:none}}"
  ].join("\n");

  var sheet = null;
  function styleFor(shadow) {
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(STYLES); }
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {  // older browsers: a <style> element (its text is our own constant)
      shadow.appendChild(el("style", { text: STYLES }));
    }
  }

  function icon(d) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }
  var CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z";
  var NEW_ICON = "M11 4h2v7h7v2h-7v7h-2v-7H4v-2h7z";

  var counter = 0;

  class AskintlChat extends HTMLElement {
    static get observedAttributes() {
      return ["data-lang", "data-title", "data-accent", "data-position", "data-z-index", "data-offset-x", "data-offset-y",
        "data-institution", "data-welcome", "data-starters"];
    }

    constructor() {
      super();
      this._shadow = this.attachShadow({ mode: "open" });
      styleFor(this._shadow);
      this._uid = "askintl-" + (++counter);
      this._messages = [];   // {kind: "user"|"answer"|"error", ...}: the view is rebuilt from these
      this._history = [];    // [{role, content}] sent with each question
      this._busy = false;
      this._isOpen = false;
      this._epoch = 0;       // bumped by "New conversation": answers to older questions are dropped
      this._info = {};       // institution name -> GET /v1/institutions entry (null: none)
      this._scopeNames = null;  // data-institution as the server names them, once loaded
    }

    connectedCallback() {
      if (!this._built) this._render();
      if (window.matchMedia && !this._fullScreen) {  // the panel becomes (or stops being) modal with the screen size
        this._fullScreen = matchMedia(FULL_SCREEN);
        this._onMedia = this._updateModal.bind(this);
        if (this._fullScreen.addEventListener) this._fullScreen.addEventListener("change", this._onMedia);
      }
      if (this._isOpen) this._watchViewport(true);
      var openOnLoad = this.dataset.open !== undefined && !/^(false|0|no)$/i.test(this.dataset.open);
      // Not on small screens, where the open panel would cover the page the reader came to.
      if (this.floating && openOnLoad && !this._openedOnce && !(this._fullScreen && this._fullScreen.matches)) {
        this._openedOnce = true;
        this.open({ focus: false });
      }
    }

    disconnectedCallback() {
      this._watchViewport(false);
      if (this._fullScreen && this._fullScreen.removeEventListener) this._fullScreen.removeEventListener("change", this._onMedia);
      this._fullScreen = null;
    }

    attributeChangedCallback() { if (this._built) this._render(); }

    get floating() { return this.dataset.mode === "floating"; }
    /* An option: this element's data-* attribute, else the embedding script tag's. */
    opt(key) {
      var own = this.dataset[key];
      return own !== undefined && own !== "" ? own : SCRIPT && SCRIPT.dataset[key] ? SCRIPT.dataset[key] : "";
    }
    get serverUrl() {
      var s = this.opt("server") || SCRIPT_BASE;
      return s.charAt(s.length - 1) === "/" ? s : s + "/";
    }
    get language() { return pickLang(this.opt("lang") || recall(LANG_KEY)); }
    /* data-institution: answers come from these institutions' documents only (names or aliases).
       The element's own attribute wins even when empty (no scope), unlike other options. */
    get scope() {
      var own = this.dataset.institution;
      return String(own !== undefined ? own : this.opt("institution")).split(",")
        .map(function (s) { return s.trim(); }).filter(Boolean);
    }
    t(key) { return (I18N[this._lang || this.language] || I18N.en)[key] || I18N.en[key]; }

    /* ---- public API: open(), close(), ask(question) ------------------------------------------ */
    open(options) {
      if (!this.floating) { this._input.focus(); return; }
      this._isOpen = true;
      this._panel.hidden = false;
      this._launcher.setAttribute("aria-expanded", "true");
      this._watchViewport(true);
      this._updateModal();
      this._loadScope();
      if (!options || options.focus !== false) this._input.focus();
      this._scrollToEnd();
    }

    close() {
      if (!this.floating) return;
      this._isOpen = false;
      this._panel.hidden = true;
      this._launcher.setAttribute("aria-expanded", "false");
      this._watchViewport(false);
      this._updateModal();
      this._launcher.focus();
    }

    ask(question) {
      question = String(question || "").trim();
      if (!question || this._busy) return Promise.resolve(null);
      if (this.floating && !this._isOpen) this.open({ focus: false });
      return this._send(question);
    }

    /* ---- small screens: modal when the panel covers the page; above the on-screen keyboard ---- */
    _coversPage() { return this.floating && this._isOpen && !!this._fullScreen && this._fullScreen.matches; }

    _updateModal() {
      if (!this._panel || !this.floating) return;
      if (this._coversPage()) this._panel.setAttribute("aria-modal", "true");
      else this._panel.removeAttribute("aria-modal");
    }

    _watchViewport(on) {
      var vv = window.visualViewport;
      if (on && vv && !this._onViewport) {
        this._onViewport = this._fitViewport.bind(this, null);
        vv.addEventListener("resize", this._onViewport);
        vv.addEventListener("scroll", this._onViewport);
        this._fitViewport(null);
      } else if (!on && this._onViewport) {
        vv.removeEventListener("resize", this._onViewport);
        vv.removeEventListener("scroll", this._onViewport);
        this._onViewport = null;
        this._fitViewport(null);
      }
    }

    /* Keep the panel inside the visual viewport: when an on-screen keyboard (or browser chrome) hides
       the bottom of the layout viewport, the panel ends above it and the question box stays visible.
       ``vv`` is window.visualViewport (or, in tests, an object with height, offsetTop and scale). */
    _fitViewport(vv) {
      var root = this._root;
      if (!root) return;
      vv = vv || window.visualViewport;
      var style = root.style, props = ["--vv-top", "--vv-h", "--kb"];
      var zoomed = vv && Math.abs((vv.scale || 1) - 1) > 0.01;  // pinch zoom: fixed elements stay put
      var top = vv ? Math.max(0, vv.offsetTop || 0) : 0;
      var hidden = vv ? Math.max(0, window.innerHeight - top - vv.height) : 0;
      if (!this._isOpen || !this.floating || !vv || zoomed || (top < 1 && hidden < 1)) {
        props.forEach(function (p) { style.removeProperty(p); });
      } else {
        style.setProperty("--vv-top", top + "px");
        style.setProperty("--vv-h", vv.height + "px");
        style.setProperty("--kb", hidden + "px");
      }
      this._updateModal();
    }

    _focusables() {
      return Array.prototype.filter.call(this._panel.querySelectorAll("a[href], button, select, textarea, input, [tabindex]"),
        function (n) { return !n.disabled && n.tabIndex >= 0 && n.getClientRects().length > 0; });
    }

    /* Escape closes the panel from anywhere in the widget (the launcher too). When the panel covers
       the page, Tab and Shift+Tab cycle inside it instead of reaching links hidden behind it. */
    _onRootKey(e) {
      if (e.key === "Escape" && this.floating && this._isOpen) { e.stopPropagation(); this.close(); return; }
      if (e.key !== "Tab" || !this._coversPage()) return;
      var items = this._focusables();
      if (!items.length) return;
      var active = this._shadow.activeElement, first = items[0], last = items[items.length - 1];
      if (!active || !this._panel.contains(active)) { e.preventDefault(); (e.shiftKey ? last : first).focus(); }
      else if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
    }

    /* ---- rendering ------------------------------------------------------------------------- */
    _render() {
      this._restore();
      var lang = this._lang = this.language, id = this._uid, self = this;
      var previous = this._input ? this._input.value : "";
      var root = el("div", { className: "root " + (this.floating ? "floating" : "inline"), lang: lang,
        dir: RTL[lang] ? "rtl" : "ltr" });
      var pos = String(this.opt("position")).replace("bottom-", "");
      if (pos === "left" || pos === "right") root.classList.add(pos);
      this._applyAccent(root);
      this._applyPlacement(root);
      root.addEventListener("keydown", this._onRootKey.bind(this));

      var title = this.opt("title") || this.t("title");
      this._title = el("h2", { id: id + "-title", text: title });
      this._closeButton = this.floating ? el("button", { type: "button", className: "close", "aria-label": this.t("close"),
        onclick: this.close.bind(this) }, "×") : null;
      // The language switcher: only when data-lang does not force one.
      var langs = this.opt("lang") ? null : el("select", { className: "lang", "aria-label": this.t("language"),
        onchange: function (e) {
          keep(LANG_KEY, e.target.value);
          self._render();
          self._shadow.querySelector(".lang").focus();
        } }, Object.keys(LANG_NAMES).map(function (code) {
          return el("option", { value: code, lang: code, selected: code === lang }, LANG_NAMES[code]);
        }));
      var fresh = el("button", { type: "button", className: "new", "aria-label": this.t("newChat"), title: this.t("newChat"),
        onclick: this._newConversation.bind(this) }, icon(NEW_ICON));
      this._introBox = el("div", { className: "intro-box" });
      this._log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
        "aria-labelledby": id + "-title", tabindex: "0" }, this._introBox);
      this._input = el("textarea", { id: id + "-q", rows: "2", maxlength: "1000", placeholder: this.t("placeholder"),
        autocomplete: "off", onkeydown: this._onKey.bind(this) });
      this._input.value = previous;
      this._sendButton = el("button", { type: "submit", className: "send", disabled: this._busy }, this.t("send"));
      var form = el("form", { onsubmit: this._onSubmit.bind(this) },
        el("label", { className: "sr", for: id + "-q", text: this.t("label") }), this._input, this._sendButton);
      this._panel = el("section", { id: id + "-panel", className: "panel",
        role: this.floating ? "dialog" : "region", "aria-labelledby": id + "-title",
        hidden: this.floating && !this._isOpen },
        el("header", null, this._title, langs, fresh, this._closeButton), this._log, form,
        el("p", { className: "note", text: this.t("note") }));
      if (this.floating) {
        this._launcher = el("button", { type: "button", className: "launcher", "aria-expanded": String(this._isOpen),
          "aria-controls": id + "-panel",
          // The accessible name starts with the visible label (WCAG 2.5.3), then says what opens.
          "aria-label": this.t("short") + ": " + (this.opt("title") || this.t("open")),
          onclick: (function () { if (this._isOpen) this.close(); else this.open(); }).bind(this) },
          icon(CHAT_ICON), el("span", { text: this.t("short") }));
        root.appendChild(this._launcher);
      }
      root.appendChild(this._panel);
      try {
        for (var i = 0; i < this._messages.length; i++) this._log.appendChild(this._renderMessage(this._messages[i]));
      } catch (e) {  // a stored conversation this version cannot show: start afresh
        this._messages = [];
        this._history = [];
        keep(this._key(), null);
        while (this._introBox.nextSibling) this._introBox.nextSibling.remove();
      }
      this._fillIntro();
      var old = this._shadow.querySelector(".root");
      if (old) this._shadow.replaceChild(root, old); else this._shadow.appendChild(root);
      this._root = root;
      this._built = true;
      this._fitViewport(null);
      if (this._isOpen || !this.floating) this._loadScope();
    }

    /* ---- the conversation in sessionStorage (per server and scope; this tab only) ------------- */
    _key() { return "askintl:chat:" + this.serverUrl + "#" + this.scope.join(","); }

    _restore() {
      var key = this._key();
      if (key === this._loadedKey) return;
      this._loadedKey = key;
      var saved = recall(key) || {};
      this._messages = Array.isArray(saved.m) ? saved.m : [];
      this._history = Array.isArray(saved.h) ? saved.h : [];
      this._scopeNames = null;
      this._scopeLoad = null;
    }

    _save() {
      var all = this._messages, kept = all.filter(function (m, i) {  // answered questions and their answers
        return m.kind === "answer" || (m.kind === "user" && all[i + 1] && all[i + 1].kind === "answer");
      }).slice(-MAX_KEPT).map(function (m) {
        return { kind: m.kind, text: m.text, data: m.data, rating: m.rating, commented: m.commented };
      });
      keep(this._key(), kept.length ? { m: kept, h: this._history.slice(-2 * MAX_HISTORY) } : null);
    }

    _newConversation() {
      this._epoch++;
      this._messages = [];
      this._history = [];
      keep(this._key(), null);
      if (this._busy) this._setBusy(false);
      while (this._introBox.nextSibling) this._introBox.nextSibling.remove();
      this._fillIntro();
      this._input.focus();
    }

    /* ---- the institution scope: welcome text, starter questions, the office's contact ---------- */
    _fetchInfo(names) {
      var url = new URL("v1/institutions", this.serverUrl), self = this;
      names.forEach(function (n) { url.searchParams.append("name", n); });
      return fetch(url.href, { mode: "cors", credentials: "omit" }).then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.detail || res.status);
          body.forEach(function (i) { self._info[i.name] = i; });
          return body;
        });
      }).catch(function (err) {
        if (window.console) console.warn("askintl: no details for " + names.join(", ") + ": " + (err && err.message));
        return null;
      });
    }

    _loadScope() {
      var names = this.scope, self = this;
      if (!names.length) return Promise.resolve(null);
      if (!this._scopeLoad) {
        var key = this._loadedKey;
        this._scopeLoad = this._fetchInfo(names).then(function (list) {
          if (key !== self._loadedKey) return null;
          self._scopeNames = list ? list.map(function (i) { return i.name; }) : null;
          if (list) self._fillIntro();
          return list;
        });
      }
      return this._scopeLoad;
    }

    /* The welcome text and, before the first question, the starter questions: data-welcome and
       data-starters, else the scope's catalog entry, in the interface language. */
    _fillIntro() {
      var lang = this.language, self = this, box = this._introBox, welcome = null, starters = null;
      (this._scopeNames || []).forEach(function (n) {
        var i = self._info[n] || {};
        welcome = welcome || pick(i.welcome, lang);
        starters = starters || pick(i.starters, lang);
      });
      welcome = fromAttr(this.opt("welcome"), lang, false) || welcome || this.t("intro");
      starters = fromAttr(this.opt("starters"), lang, true) || starters;
      box.textContent = "";
      box.appendChild(el("p", { className: "intro", dir: "auto", text: welcome }));
      if (starters && starters.length && !this._messages.length) {
        box.appendChild(el("ul", { className: "starters", "aria-label": this.t("starters") }, starters.map(function (q) {
          return el("li", null, el("button", { type: "button", dir: "auto", onclick: function () { self.ask(q); } }, q));
        })));
      }
    }

    /* When askintl abstains: who to ask instead. The scope's institutions (or those the question
       named), with their office's address, e-mail, phone and form when the catalog has them;
       otherwise a line telling the reader to contact the international office. Never a dead end. */
    _officeBox(data) {
      var self = this, box = el("section", { className: "office", "aria-label": this.t("title") });
      var names = function () {
        var scope = self._scopeNames || [];
        var named = (data.institutions || []).filter(function (n) { return !self.scope.length || scope.indexOf(n) >= 0; });
        return named.length ? named : scope;
      };
      var fill = function () {
        box.textContent = "";
        box.appendChild(el("h3", { text: self.t("title") }));
        var list = names();
        if (!list.length) box.appendChild(el("p", { text: self.t("contactAny") }));
        list.forEach(function (n) { box.appendChild(self._contact(n, (self._info[n] || {}).contact)); });
      };
      fill();
      this._loadScope().then(function () {
        var missing = names().filter(function (n) { return !(n in self._info); });
        if (!missing.length) return fill();
        return self._fetchInfo(missing).then(function () {
          missing.forEach(function (n) { if (!(n in self._info)) self._info[n] = null; });
          fill();
        });
      });
      return box;
    }

    _contact(name, c) {
      var out = el("div", { className: "contact" }), ways = [];
      if (c) {
        var mail = mailto(c.email), phone = tel(c.phone), form = safeHttpUrl(c.form_url);
        if (c.address) ways.push(el("li", null, this.t("address") + ": ", el("span", { dir: "auto", text: c.address })));
        if (mail) ways.push(el("li", null, this.t("email") + ": ", el("a", { href: mail, dir: "ltr", text: c.email })));
        if (phone) ways.push(el("li", null, this.t("phone") + ": ", el("a", { href: phone, dir: "ltr", text: c.phone })));
        if (form) {
          ways.push(el("li", null, el("a", { href: form, target: "_blank", rel: "noopener noreferrer" }, this.t("form"),
            el("span", { className: "sr", text: " " + this.t("newTab") }))));
        }
        out.appendChild(el("p", null, el("strong", { dir: "auto", text: c.office || name }),
          c.office ? el("span", { dir: "auto", text: " — " + name }) : null));
      }
      out.appendChild(ways.length ? el("ul", null, ways)
        : el("p", { text: this.t("contactOf").split("{name}").join("\u2068" + name + "\u2069") }));
      return out;
    }

    /* data-z-index (an integer; the panel goes one above) and data-offset-x / data-offset-y (px, or
       any CSS length): the launcher's distance from the side and bottom edges; the panel follows. */
    _applyPlacement(root) {
      var z = String(this.opt("zIndex")).trim();
      if (/^-?\d{1,10}$/.test(z)) {
        var n = Math.max(-2147483647, Math.min(2147483647, parseInt(z, 10)));
        root.style.setProperty("--z", String(n));
        root.style.setProperty("--z-panel", String(Math.min(2147483647, n + 1)));
      }
      var length = function (value) {
        value = String(value || "").trim();
        if (/^-?\d+(\.\d+)?$/.test(value)) value += "px";
        return value && window.CSS && CSS.supports("width", value) ? value : null;
      };
      var x = length(this.opt("offsetX")), y = length(this.opt("offsetY"));
      if (x) root.style.setProperty("--off-x", x);
      if (y) root.style.setProperty("--off-y", y);
    }

    _applyAccent(root) {
      var accent = this.opt("accent");
      if (!accent || !(window.CSS && CSS.supports("color", accent))) return;
      var probe = el("span");
      probe.style.color = accent;
      this._shadow.appendChild(probe);
      var rgb = parseRgb(getComputedStyle(probe).color);
      probe.remove();
      if (!rgb) return;
      var white = [255, 255, 255], dark = [31, 31, 31];
      root.style.setProperty("--accent", accent);
      root.style.setProperty("--on-accent", contrast(rgb, white) >= contrast(rgb, dark) ? "#fff" : "#1f1f1f");
      if (contrast(rgb, white) >= 4.5) root.style.setProperty("--link", accent);
    }

    _renderMessage(msg) {
      if (msg.kind === "user") {
        return el("div", { className: "msg user", dir: "auto" },
          el("span", { className: "sr", dir: RTL[this.language] ? "rtl" : "ltr", text: this.t("you") + ": " }), msg.text);
      }
      if (msg.kind === "error") return this._renderError(msg);
      return this._renderAnswer(msg);
    }

    _renderError(msg) {
      var box = el("div", { className: "msg error", role: "alert" }, el("span", { text: msg.text }));
      if (msg.retryAt) {  // after a 429: a retry button, usable once Retry-After has passed
        var self = this, wait = msg.retryAt - Date.now();
        var retry = el("button", { type: "button", className: "retry", disabled: wait > 0, onclick: function () {
          if (!self._input.value.trim()) self._input.value = msg.question;
          self._onSubmit(null);
        } }, this.t("retry"));
        if (wait > 0) setTimeout(function () { retry.disabled = false; }, wait);
        box.appendChild(retry);
      }
      return box;
    }

    _citations(data) {
      /* One citation per passage, numbered from 1 in passage order; the answer's passage carries the
         quote. The same numbers as on every surface (askintl/citations.py). */
      var answer = data.abstained ? null : data.answer;
      return (data.passages || []).map(function (p, i) {
        var cited = !!answer && answer.passage_index === i;
        return { n: i + 1, passage: p, cited: cited,
          start: cited ? answer.start : p.start, end: cited ? answer.end : p.end,
          quote: cited ? answer.text : p.text, link: cited ? answer.link : p.link, asOf: cited ? answer.as_of : p.as_of };
      });
    }

    _documentPage(c) {
      var url = new URL("documents/" + encodeURIComponent(c.passage.doc_id), this.serverUrl);
      url.searchParams.set("start", c.start);
      url.searchParams.set("end", c.end);
      url.searchParams.set("lang", this.language);
      return url.href;
    }

    _sourceLink(c, label) {
      var source = safeHttpUrl(c.passage.url);
      // the server's link (the live page at the quote) first; then one made here; else askintl's own page
      var href = safeHttpUrl(c.link) || (source ? withTextFragment(source, c.quote) : this._documentPage(c));
      var asOf = /^\d{4}-\d{2}-\d{2}$/.test(c.asOf || "") ? " (" + (AS_OF[this._lang || this.language] || AS_OF.en) + " " + c.asOf + ")" : "";
      return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, el("bdi", { text: label }),
        asOf ? el("span", { className: "asof", text: asOf }) : null,
        el("span", { className: "sr", text: " " + this.t("newTab") }));
    }

    _sourceItem(c, withExcerpt) {
      var p = c.passage;
      var name = (p.institution || p.title) + " — " + p.title;
      var li = el("li", { value: String(c.n) }, this._sourceLink(c, name));
      if (safeHttpUrl(p.url)) {
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(el("a", { href: this._documentPage(c), target: "_blank", rel: "noopener noreferrer" },
          this.t("exact"), el("span", { className: "sr", text: " " + this.t("newTab") })));
      }
      var place = placeLine(p);
      if (place) li.appendChild(place);
      if (withExcerpt) li.appendChild(el("span", { className: "excerpt", dir: "auto", text: trimContext(p.text, false) }));
      return li;
    }

    _renderAnswer(msg) {
      var data = msg.data, cites = this._citations(data);
      var box = el("article", { className: "msg bot", "aria-label": this.t("answer") });
      if (!data.abstained && data.answer) {
        var a = data.answer, p = data.passages[a.passage_index] || null;
        if (data.low_confidence === true) {  // a visible, worded cue (not only colour), read before the quote
          box.classList.add("low");
          box.appendChild(el("p", { className: "lowconf" }, el("span", { className: "icon", "aria-hidden": "true" }, "!"),
            el("span", null, el("strong", { text: this.t("lowConf") }), " " + this.t("lowConfText"))));
        }
        var cited = cites.filter(function (c) { return c.cited; })[0];
        var quote = el("blockquote", { dir: "auto" });
        var offset = p ? a.start - p.start : -1;
        if (p && offset >= 0 && p.text.slice(offset, offset + a.text.length) === a.text) {
          var before = p.text.slice(0, offset), after = p.text.slice(offset + a.text.length);
          if (before.trim()) quote.appendChild(el("span", { className: "ctx", text: trimContext(before, true) }));
          quote.appendChild(el("mark", { text: a.text }));
          if (after.trim()) quote.appendChild(el("span", { className: "ctx", text: trimContext(after, false) }));
        } else {
          quote.appendChild(el("mark", { text: a.text }));
        }
        var place = placeLine(p);
        if (place) box.appendChild(place);
        box.appendChild(quote);
        if (cited) {
          box.appendChild(el("span", { className: "cite" }, "— [" + cited.n + "] " + this.t("quoteFrom") + " ",
            this._sourceLink(cited, (cited.passage.institution || cited.passage.title) + ", " + cited.passage.title)));
        }
        box.appendChild(el("h3", { text: this.t("sources") }));
        box.appendChild(el("ol", null, cites.map(function (c) { return this._sourceItem(c, false); }, this)));
      } else {
        box.classList.add("abstained");
        box.appendChild(el("p", { className: "nf", text: this.t("notFound") }));
        box.appendChild(el("p", { className: "nf-text", text: this.t("notFoundText") }));
        box.appendChild(this._officeBox(data));
        if (cites.length) {
          box.appendChild(el("h3", { text: this.t("related") }));
          box.appendChild(el("ol", null, cites.map(function (c) { return this._sourceItem(c, true); }, this)));
        }
      }
      if (data.id) box.appendChild(this._renderFeedback(msg));
      return box;
    }

    _renderFeedback(msg) {
      var self = this;
      var fb = el("div", { className: "fb", role: "group", "aria-label": this.t("helpfulQ") },
        el("span", { text: this.t("helpfulQ") }));
      var rate = function (helpful) {
        return el("button", { type: "button", "aria-pressed": String(msg.rating === helpful),
          onclick: function () { self._rate(msg, helpful, null); } }, helpful ? self.t("yes") : self.t("no"));
      };
      fb.appendChild(rate(true));
      fb.appendChild(rate(false));
      if (msg.rating === false && !msg.commented) {
        var input = el("input", { type: "text", maxlength: "2000", "aria-label": this.t("comment"),
          placeholder: this.t("comment") });
        fb.appendChild(el("form", { className: "comment", onsubmit: function (e) {
          e.preventDefault();
          if (input.value.trim()) self._rate(msg, false, input.value.trim());
        } }, input, el("button", { type: "submit" }, this.t("commentSend"))));
      }
      if (msg.rating !== undefined) fb.appendChild(el("span", { role: "status", text: this.t("thanks") }));
      msg.node = fb;
      return fb;
    }

    _rate(msg, helpful, comment) {
      var focusComment = helpful === false && !comment && msg.rating !== false;
      msg.rating = helpful;
      if (comment) msg.commented = true;
      this._save();
      var old = msg.node, fresh = this._renderFeedback(msg);
      if (old && old.parentNode) old.parentNode.replaceChild(fresh, old);
      var target = focusComment ? fresh.querySelector("input") : fresh.querySelector("button[aria-pressed=true]");
      if (target) target.focus();
      fetch(new URL("v1/feedback", this.serverUrl).href, {
        method: "POST", mode: "cors", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answer_id: msg.data.id, helpful: helpful, comment: comment || null })
      }).catch(function () { /* feedback is best effort */ });
    }

    _scrollToEnd() { if (this._log) this._log.scrollTop = this._log.scrollHeight; }

    _push(msg) {
      this._messages.push(msg);
      var starters = this._introBox.querySelector(".starters");
      if (starters) starters.remove();
      if (msg.kind === "answer") this._save();
      var node = this._renderMessage(msg);
      this._log.appendChild(node);
      if (msg.kind === "answer") {  // show the answer from its start (and the question above it, if there is room)
        var question = node.previousElementSibling;
        if (question && node.offsetTop - question.offsetTop > this._log.clientHeight / 3) question = null;
        this._log.scrollTop = Math.max(0, (question || node).offsetTop - 8);
      } else {
        this._scrollToEnd();
      }
      return node;
    }

    /* ---- events and requests ---------------------------------------------------------------- */
    _onKey(e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this._onSubmit(e); }
    }

    _onSubmit(e) {
      if (e) e.preventDefault();
      var q = this._input.value.trim();
      if (!q || this._busy) return;
      this._input.value = "";
      this._send(q, true);
    }

    _setBusy(busy) {
      this._busy = busy;
      this._sendButton.disabled = busy;
      this._log.setAttribute("aria-busy", String(busy));
      if (busy) {
        this._pending = el("p", { className: "pending", role: "status", text: this.t("searching") });
        this._log.appendChild(this._pending);
        this._scrollToEnd();
      } else if (this._pending) {
        this._pending.remove();
        this._pending = null;
      }
    }

    /* Why a request failed with a network error: "cors" when the server answers but not to this
       page's origin (a CORS-safelisted GET to /healthz fails while the same request without CORS
       gets through), else "network". Neither probe needs a preflight. */
    _diagnose() {
      var health = new URL("healthz", this.serverUrl).href;
      var probe = function (mode) { return fetch(health, { mode: mode, credentials: "omit", cache: "no-store" }); };
      return probe("cors").then(function () { return "network"; }, function () {
        return probe("no-cors").then(function () { return "cors"; }, function () { return "network"; });
      });
    }

    /* fromBox: the question came from the question box, and goes back there if it was not answered. */
    _send(question, fromBox) {
      var self = this, epoch = this._epoch, scope = this.scope;
      this._push({ kind: "user", text: question });
      this._setBusy(true);
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
      return fetch(new URL("v1/ask", this.serverUrl).href, {
        method: "POST", mode: "cors", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(scope.length ? { question: question, history: this._history.slice(-MAX_HISTORY), institutions: scope }
          : { question: question, history: this._history.slice(-MAX_HISTORY) }),
        signal: controller ? controller.signal : undefined
      }).then(function (res) {
        if (res.status === 429) {
          var wait = retryAfterSeconds(res.headers.get("Retry-After"));
          throw { shown: self.t("errRate").replace("{s}", String(wait)), retryAt: Date.now() + wait * 1000 };
        }
        if (!res.ok) {
          if (res.status === 422 && window.console) {  // e.g. a data-institution the server does not know
            res.json().then(function (b) { console.error("askintl: " + (b && b.detail)); }, function () {});
          }
          throw { shown: self.t("errGeneric") };
        }
        return res.json();
      }).then(function (data) {
        if (epoch !== self._epoch) return null;  // "New conversation" was pressed meanwhile
        self._setBusy(false);
        self._history.push({ role: "user", content: question });
        self._history.push({ role: "assistant", content: !data.abstained && data.answer ? data.answer.text : "" });
        self._push({ kind: "answer", data: data });
        self.dispatchEvent(new CustomEvent("askintl:answer", { detail: data, bubbles: true, composed: true }));
        return data;
      }).catch(function (err) {
        var network = err instanceof TypeError && /fetch|network|load/i.test(err.message);
        if (!(err && err.shown) && !network && !(err && err.name === "AbortError")) {
          if (window.console) console.error("askintl:", err);
          err = { shown: self.t("errGeneric") };
        }
        if (epoch !== self._epoch) return null;
        return (network ? self._diagnose() : Promise.resolve(null)).then(function (cause) {
          if (self._busy) self._setBusy(false);
          if (fromBox && !self._input.value.trim()) self._input.value = question;
          var origin = location.origin && location.origin !== "null" ? location.origin : location.href;
          if (cause === "cors") {
            if (window.console) console.warn("askintl: " + new URL(self.serverUrl).origin + " does not allow requests from " +
              origin + ": add it to ASKINTL_CORS_ORIGINS on the askintl server.");
            err = { shown: self.t("errCors").split("{origin}").join("\u2068" + origin + "\u2069") };
          }
          self._push({ kind: "error", text: err && err.shown ? err.shown : self.t("errNetwork"),
            retryAt: err && err.retryAt, question: question });
          return null;
        });
      }).then(function (data) {
        if (timer) clearTimeout(timer);
        return data;
      });
    }
  }

  customElements.define("askintl-chat", AskintlChat);

  /* The one-tag embed: a floating launcher, unless the page places <askintl-chat> itself
     or says data-launcher="false". Inline elements default to this script's server. */
  function mount() {
    if (!SCRIPT || SCRIPT.dataset.launcher === "false" || document.querySelector("askintl-chat")) return;
    var chat = document.createElement("askintl-chat");
    chat.dataset.mode = "floating";
    ["server", "lang", "title", "accent", "position", "open", "zIndex", "offsetX", "offsetY", "institution", "welcome",
      "starters"].forEach(function (key) {
      if (SCRIPT.dataset[key]) chat.dataset[key] = SCRIPT.dataset[key];
    });
    document.body.appendChild(chat);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
