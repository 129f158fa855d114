/*! askintl widget: ask a university's international office, get exact cited quotes.
 *
 * One tag:  <script src="https://HOST/widget.js" defer
 *                   data-server="https://HOST/" data-lang="ar" data-title="..."
 *                   data-accent="#0b57d0" data-position="right|left" data-open="true"></script>
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
      note: "Answers are exact quotes from the official materials."
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
      note: "回答均为官方资料的原文引用。"
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
      note: "Ответы — точные цитаты из официальных материалов."
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
      errGeneric: "عذرًا، تعذّرت الإجابة عن هذا السؤال.", note: "الإجابات اقتباسات حرفية من المواد الرسمية."
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
      note: "Les réponses sont des citations exactes des documents officiels."
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
      note: "Las respuestas son citas exactas de los materiales oficiales."
    }
  };
  var RTL = { ar: true, he: true, fa: true, ur: true };

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

  function safeHttpUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

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
    ".launcher{position:fixed;bottom:16px;inset-inline-end:16px;z-index:2147483000;display:flex;align-items:center;gap:8px;",
    "min-height:52px;padding:0 20px 0 16px;border-radius:26px;background:var(--accent);color:var(--on-accent);",
    "font-weight:600;box-shadow:0 4px 16px rgba(0,0,0,.25)}",
    ".root.left .launcher{inset-inline-end:auto;left:16px}.root.right .launcher{inset-inline-end:auto;right:16px}",
    ".launcher svg{width:24px;height:24px;fill:currentColor;flex:none}",
    ".panel{display:flex;flex-direction:column;background:#fff;overflow:hidden}",
    ".panel[hidden]{display:none}",
    ".floating .panel{position:fixed;z-index:2147483001;bottom:80px;inset-inline-end:16px;width:min(400px,calc(100vw - 16px));",
    "height:min(620px,calc(100vh - 96px));border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.3);border:1px solid #c4c7c5}",
    ".root.floating.left .panel{inset-inline-end:auto;left:16px}.root.floating.right .panel{inset-inline-end:auto;right:16px}",
    ".inline .panel{height:100%;min-height:420px;border:1px solid #c4c7c5;border-radius:12px}",
    "@media (max-width:480px){.root.floating .panel{left:8px;right:8px;width:auto;bottom:76px;height:calc(100vh - 88px)}",
    ".root.floating .launcher{bottom:12px}}",
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px 10px 16px;background:var(--accent);color:var(--on-accent)}",
    "h2{flex:1;margin:0;font-size:16px;font-weight:700;color:var(--on-accent)}",
    ".close{width:40px;height:40px;border-radius:20px;font-size:24px;line-height:40px;text-align:center;color:var(--on-accent)}",
    ".close:focus-visible{outline-color:var(--on-accent)}",
    ".log{position:relative;flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:12px;background:#f8f9fa}",
    ".intro,.note{margin:0;font-size:13px;color:#444746}",
    ".msg{max-width:100%;word-wrap:break-word;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;max-width:85%;background:var(--accent);color:var(--on-accent);padding:8px 12px;border-radius:14px;white-space:pre-wrap}",
    ".bot{align-self:stretch;background:#fff;border:1px solid #dadce0;border-radius:12px;padding:10px 12px}",
    ".bot h3{margin:8px 0 4px;font-size:13px;font-weight:700;color:#444746}",
    "blockquote{margin:0;padding:4px 10px;border-inline-start:4px solid var(--accent);white-space:pre-wrap}",
    ".ctx{color:#444746}",
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
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #dadce0;background:#fff;align-items:flex-end}",
    "textarea{flex:1;min-width:0;resize:none;max-height:120px;border:1px solid #747775;border-radius:10px;padding:8px 10px;background:#fff;color:#1f1f1f}",
    "textarea::placeholder{color:#5f6368}",
    ".send{min-height:40px;padding:0 16px;border-radius:10px;background:var(--accent);color:var(--on-accent);font-weight:600}",
    ".send[disabled]{opacity:.6;cursor:default}",
    ".note{padding:0 12px 8px;background:#fff}"
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

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  var counter = 0;

  class AskintlChat extends HTMLElement {
    static get observedAttributes() { return ["data-lang", "data-title", "data-accent", "data-position"]; }

    constructor() {
      super();
      this._shadow = this.attachShadow({ mode: "open" });
      styleFor(this._shadow);
      this._uid = "askintl-" + (++counter);
      this._messages = [];   // {kind: "user"|"answer"|"error", ...}: the view is rebuilt from these
      this._history = [];    // [{role, content}] sent with each question
      this._busy = false;
      this._isOpen = false;
    }

    connectedCallback() {
      if (!this._built) this._render();
      var openOnLoad = this.dataset.open !== undefined && !/^(false|0|no)$/i.test(this.dataset.open);
      if (this.floating && openOnLoad && !this._openedOnce) {
        this._openedOnce = true;
        this.open({ focus: false });
      }
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
    get language() { return pickLang(this.opt("lang")); }
    t(key) { return (I18N[this.language] || I18N.en)[key] || I18N.en[key]; }

    /* ---- public API: open(), close(), ask(question) ------------------------------------------ */
    open(options) {
      if (!this.floating) { this._input.focus(); return; }
      this._isOpen = true;
      this._panel.hidden = false;
      this._launcher.setAttribute("aria-expanded", "true");
      if (!options || options.focus !== false) this._input.focus();
      this._scrollToEnd();
    }

    close() {
      if (!this.floating) return;
      this._isOpen = false;
      this._panel.hidden = true;
      this._launcher.setAttribute("aria-expanded", "false");
      this._launcher.focus();
    }

    ask(question) {
      question = String(question || "").trim();
      if (!question || this._busy) return Promise.resolve(null);
      if (this.floating && !this._isOpen) this.open({ focus: false });
      return this._send(question);
    }

    /* ---- rendering ------------------------------------------------------------------------- */
    _render() {
      var lang = this.language, id = this._uid;
      var previous = this._input ? this._input.value : "";
      var root = el("div", { className: "root " + (this.floating ? "floating" : "inline"), lang: lang,
        dir: RTL[lang] ? "rtl" : "ltr" });
      var pos = String(this.opt("position")).replace("bottom-", "");
      if (pos === "left" || pos === "right") root.classList.add(pos);
      this._applyAccent(root);

      var title = this.opt("title") || this.t("title");
      this._title = el("h2", { id: id + "-title", text: title });
      this._closeButton = this.floating ? el("button", { type: "button", className: "close", "aria-label": this.t("close"),
        onclick: this.close.bind(this) }, "×") : null;
      this._log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
        "aria-labelledby": id + "-title", tabindex: "0" }, el("p", { className: "intro", text: this.t("intro") }));
      this._input = el("textarea", { id: id + "-q", rows: "2", maxlength: "1000", placeholder: this.t("placeholder"),
        autocomplete: "off", onkeydown: this._onKey.bind(this) });
      this._input.value = previous;
      this._sendButton = el("button", { type: "submit", className: "send", disabled: this._busy }, this.t("send"));
      var form = el("form", { onsubmit: this._onSubmit.bind(this) },
        el("label", { className: "sr", for: id + "-q", text: this.t("label") }), this._input, this._sendButton);
      this._panel = el("section", { id: id + "-panel", className: "panel",
        role: this.floating ? "dialog" : "region", "aria-labelledby": id + "-title",
        hidden: this.floating && !this._isOpen, onkeydown: this._onPanelKey.bind(this) },
        el("header", null, this._title, this._closeButton), this._log, form,
        el("p", { className: "note", text: this.t("note") }));
      if (this.floating) {
        this._launcher = el("button", { type: "button", className: "launcher", "aria-expanded": String(this._isOpen),
          "aria-controls": id + "-panel",
          // The accessible name starts with the visible label (WCAG 2.5.3), then says what opens.
          "aria-label": this.t("short") + ": " + (this.opt("title") || this.t("open")),
          onclick: (function () { if (this._isOpen) this.close(); else this.open(); }).bind(this) },
          chatIcon(), el("span", { text: this.t("short") }));
        root.appendChild(this._launcher);
      }
      root.appendChild(this._panel);
      for (var i = 0; i < this._messages.length; i++) this._log.appendChild(this._renderMessage(this._messages[i]));
      var old = this._shadow.querySelector(".root");
      if (old) this._shadow.replaceChild(root, old); else this._shadow.appendChild(root);
      this._built = true;
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
        return el("div", { className: "msg user" }, el("span", { className: "sr", text: this.t("you") + ": " }), msg.text);
      }
      if (msg.kind === "error") return el("div", { className: "msg error", role: "alert", text: msg.text });
      return this._renderAnswer(msg);
    }

    _citations(data) {
      /* One citation per document, in passage order (as the server numbers them in chat replies). */
      var out = [], seen = Object.create(null), answer = data.abstained ? null : data.answer;
      (data.passages || []).forEach(function (p) {
        if (seen[p.doc_id]) return;
        seen[p.doc_id] = true;
        var cited = !!answer && answer.doc_id === p.doc_id;
        out.push({ n: out.length + 1, passage: p, cited: cited,
          start: cited ? answer.start : p.start, end: cited ? answer.end : p.end,
          quote: cited ? answer.text : p.text });
      });
      return out;
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
      var href = source ? withTextFragment(source, c.quote) : this._documentPage(c);
      return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, el("bdi", { text: label }),
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
      if (withExcerpt) li.appendChild(el("span", { className: "excerpt", dir: "auto", text: trimContext(p.text, false) }));
      return li;
    }

    _renderAnswer(msg) {
      var data = msg.data, cites = this._citations(data);
      var box = el("article", { className: "msg bot", "aria-label": this.t("answer") });
      if (!data.abstained && data.answer) {
        var a = data.answer, p = data.passages[a.passage_index] || null;
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
      var node = this._renderMessage(msg);
      this._log.appendChild(node);
      if (msg.kind === "answer") {  // show the answer from its start (and the question above it)
        var question = node.previousElementSibling;
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

    _onPanelKey(e) {
      if (e.key === "Escape" && this.floating) { e.stopPropagation(); this.close(); }
    }

    _onSubmit(e) {
      if (e) e.preventDefault();
      var q = this._input.value.trim();
      if (!q || this._busy) return;
      this._input.value = "";
      this._send(q);
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

    _send(question) {
      var self = this;
      this._push({ kind: "user", text: question });
      this._setBusy(true);
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
      return fetch(new URL("v1/ask", this.serverUrl).href, {
        method: "POST", mode: "cors", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: question, history: this._history.slice(-MAX_HISTORY) }),
        signal: controller ? controller.signal : undefined
      }).then(function (res) {
        if (res.status === 429) {
          var wait = parseInt(res.headers.get("Retry-After") || "", 10) || 30;
          throw { shown: self.t("errRate").replace("{s}", String(wait)) };
        }
        if (!res.ok) throw { shown: self.t("errGeneric") };
        return res.json();
      }).then(function (data) {
        self._setBusy(false);
        self._history.push({ role: "user", content: question });
        self._history.push({ role: "assistant", content: !data.abstained && data.answer ? data.answer.text : "" });
        self._push({ kind: "answer", data: data });
        self.dispatchEvent(new CustomEvent("askintl:answer", { detail: data, bubbles: true, composed: true }));
        return data;
      }).catch(function (err) {
        if (self._busy) self._setBusy(false);
        if (!(err && err.shown) && !(err instanceof TypeError && /fetch|network/i.test(err.message)) &&
            !(err && err.name === "AbortError")) {
          if (window.console) console.error("askintl:", err);
          err = { shown: self.t("errGeneric") };
        }
        self._push({ kind: "error", text: err && err.shown ? err.shown : self.t("errNetwork") });
        return null;
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
    ["server", "lang", "title", "accent", "position", "open"].forEach(function (key) {
      if (SCRIPT.dataset[key]) chat.dataset[key] = SCRIPT.dataset[key];
    });
    document.body.appendChild(chat);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
