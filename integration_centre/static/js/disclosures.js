// Progressive enhancement of the header's disclosures (<details>): the navigation groups, the
// small-screen "Menu" and the user menu work without this file; with it, a click elsewhere or
// the Escape key closes an open one, as people expect of a menu.
(function () {
  "use strict";
  var SELECTOR = "header details.nav-group-menu, header details.user-menu, header details.nav-menu";

  function openOnes() {
    return Array.prototype.slice.call(document.querySelectorAll(SELECTOR + "[open]"));
  }

  document.addEventListener("click", function (event) {
    openOnes().forEach(function (details) {
      if (!details.contains(event.target)) {
        details.open = false;
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = openOnes().filter(function (details) {
      return details.contains(document.activeElement);
    });
    var innermost = open[open.length - 1];
    if (innermost) {
      innermost.open = false;
      var summary = innermost.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  });
})();
