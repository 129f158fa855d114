/* The document page: /documents/{doc_id}?start=&end=&lang= shows the document's text (as text,
   never HTML) with the quoted span highlighted, scrolled into view and focused. */
(function () {
  "use strict";
  var STRINGS = {
    en: { loading: "Loading…", missing: "This document is not in the index.", failed: "The document could not be loaded.",
          source: "Original page", quote: "The quoted passage is highlighted.", jump: "Go to the quote", quoted: "Quoted passage" },
    zh: { loading: "正在加载…", missing: "索引中没有这份文件。", failed: "无法加载这份文件。",
          source: "原始网页", quote: "引用的段落已高亮显示。", jump: "跳到引文", quoted: "引用段落" },
    ru: { loading: "Загрузка…", missing: "Этого документа нет в индексе.", failed: "Не удалось загрузить документ.",
          source: "Исходная страница", quote: "Цитируемый фрагмент выделен.", jump: "К цитате", quoted: "Цитируемый фрагмент" },
    ar: { loading: "جارٍ التحميل…", missing: "هذه الوثيقة غير موجودة في الفهرس.", failed: "تعذّر تحميل الوثيقة.",
          source: "الصفحة الأصلية", quote: "المقطع المقتبس مظلَّل.", jump: "انتقل إلى الاقتباس", quoted: "المقطع المقتبس" },
    fr: { loading: "Chargement…", missing: "Ce document n’est pas dans l’index.", failed: "Le document n’a pas pu être chargé.",
          source: "Page d’origine", quote: "Le passage cité est surligné.", jump: "Aller à la citation", quoted: "Passage cité" },
    es: { loading: "Cargando…", missing: "Este documento no está en el índice.", failed: "No se pudo cargar el documento.",
          source: "Página original", quote: "El pasaje citado está resaltado.", jump: "Ir a la cita", quoted: "Pasaje citado" }
  };
  var params = new URLSearchParams(location.search);
  var wanted = [params.get("lang")].concat(navigator.languages || [navigator.language]);
  var lang = "en";
  for (var i = 0; i < wanted.length; i++) {
    var code = String(wanted[i] || "").toLowerCase().split(/[-_]/)[0];
    if (STRINGS[code]) { lang = code; break; }
  }
  var t = STRINGS[lang];
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";

  function safeHttpUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function show(doc) {
    var text = doc.text;
    var start = parseInt(params.get("start"), 10), end = parseInt(params.get("end"), 10);
    var valid = start >= 0 && end > start && end <= text.length;
    document.title = doc.title + " — " + doc.institution;
    document.getElementById("title").textContent = doc.title;
    document.getElementById("institution").textContent = doc.institution;
    var meta = document.getElementById("meta");
    var url = safeHttpUrl(doc.url);
    if (url) {
      var a = document.createElement("a");
      a.href = url;
      a.rel = "noopener noreferrer";
      a.textContent = t.source;
      meta.appendChild(a);
    }
    var box = document.getElementById("text");
    box.lang = doc.language || "";
    box.dir = "auto";
    var status = document.getElementById("status");
    status.textContent = "";
    if (!valid) { box.textContent = text; return; }
    box.appendChild(document.createTextNode(text.slice(0, start)));
    var mark = document.createElement("mark");
    mark.id = "quote";
    mark.tabIndex = -1;
    mark.setAttribute("aria-label", t.quoted);
    mark.textContent = text.slice(start, end);
    box.appendChild(mark);
    box.appendChild(document.createTextNode(text.slice(end)));
    status.textContent = t.quote + " ";
    var jump = document.createElement("a");
    jump.href = "#quote";
    jump.textContent = t.jump;
    status.appendChild(jump);
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("status");
    status.textContent = t.loading;
    var parts = location.pathname.split("/");
    var docId = decodeURIComponent(parts[parts.length - 1]);
    var api = new URL("../v1/documents/" + encodeURIComponent(docId), location.href);
    fetch(api.href).then(function (res) {
      if (res.status === 404) throw new Error(t.missing);
      if (!res.ok) throw new Error(t.failed);
      return res.json();
    }).then(show).catch(function (err) {
      status.textContent = err && err.message && (err.message === t.missing || err.message === t.failed) ? err.message : t.failed;
      status.className = "status error";
      document.getElementById("title").textContent = docId;
    });
  });
})();
