/* Progressive enhancement of the language picker (pathway.forms.LanguagesField): a filter box
   above the checkboxes. Without this script the page shows the same checkboxes, the frequent
   languages first and the others behind a disclosure. No inline code: loaded with "defer". */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9\u0080-\uffff]+/g, " ").trim();
  }

  function enhance(picker, index) {
    var id = (picker.id || "language-picker-" + index) + "-filter";
    var box = document.createElement("div");
    box.className = "language-picker-filter";
    var label = document.createElement("label");
    label.className = "label";
    label.htmlFor = id;
    label.textContent = picker.getAttribute("data-filter-label") || "Find a language";
    var hint = document.createElement("div");
    hint.className = "hint";
    hint.id = id + "-hint";
    hint.textContent = picker.getAttribute("data-filter-hint") || "";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "input";
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", hint.id);
    input.setAttribute("aria-controls", picker.id);
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(hint);
    box.appendChild(input);
    box.appendChild(status);
    picker.insertBefore(box, picker.firstChild);

    var items = Array.prototype.slice.call(picker.querySelectorAll("li[data-language-name]"));
    var names = items.map(function (item) { return fold(item.getAttribute("data-language-name") || item.textContent); });
    var others = picker.querySelector("details");
    var frequentTitle = picker.querySelector(".language-picker-title");
    var wasOpen = others ? others.open : false;

    function apply() {
      var query = fold(input.value);
      var shown = 0;
      items.forEach(function (item, position) {
        var match = !query || names[position].indexOf(query) !== -1 ||
          names[position].split(" ").some(function (word) { return word.indexOf(query) === 0; });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      if (others) {
        if (query) {
          others.open = true;
        } else {
          others.open = wasOpen || !!others.querySelector("input:checked");
        }
      }
      if (frequentTitle) {
        var list = frequentTitle.nextElementSibling;
        frequentTitle.hidden = !!list && !list.querySelector("li:not([hidden])");
      }
      status.textContent = query && shown === 0 ? (picker.getAttribute("data-none-label") || "") : "";
    }

    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); } // never submit the whole form from the filter
    });
    if (others) {
      others.addEventListener("toggle", function () { if (!fold(input.value)) { wasOpen = others.open; } });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-language-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
