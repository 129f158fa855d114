/* The demo page: list the indexed documents, wire the example questions to the widget, and
   switch the widget between one institution's (data-institution) and a national portal's. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang");

  function widget() { return document.querySelector("askintl-chat"); }

  document.addEventListener("DOMContentLoaded", function () {
    var snippet = document.getElementById("snippet"), scope = document.getElementById("scope");
    var showSnippet = function () {
      snippet.textContent = '<script src="' + new URL("widget.js", location.href).href + '" defer' +
        (scope.value ? ' data-institution="' + scope.value + '"' : "") + "></script>";
    };
    showSnippet();
    scope.addEventListener("change", function () {
      var w = widget();
      if (w && scope.value) w.dataset.institution = scope.value;
      else if (w) w.dataset.institution = "";
      showSnippet();
    });
    fetch("v1/institutions").then(function (r) { return r.json(); }).then(function (list) {
      list.forEach(function (i) {
        if (i.name === scope.options[0].value) return;
        var option = document.createElement("option");
        option.value = i.name;
        option.textContent = i.name;
        scope.insertBefore(option, scope.options[scope.options.length - 1]);
      });
    }).catch(function () { /* the two options stay */ });
    if (lang) {
      document.documentElement.lang = lang;
      var w = widget();
      if (w) w.dataset.lang = lang;
    }
    Array.prototype.forEach.call(document.querySelectorAll(".examples button"), function (button) {
      button.addEventListener("click", function () {
        var w = widget();
        if (w) w.ask(button.textContent);
      });
    });
    var list = document.getElementById("documents");
    fetch("v1/documents").then(function (r) { return r.json(); }).then(function (docs) {
      list.textContent = "";
      docs.forEach(function (d) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "documents/" + encodeURIComponent(d.doc_id);
        a.textContent = d.title;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" — " + d.institution));
        list.appendChild(li);
      });
    }).catch(function () { list.textContent = "The document list could not be loaded."; });
  });
})();
