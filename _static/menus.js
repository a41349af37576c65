/* The phone menus. The theme opens its two drawers (the chapters; the sections of this page) from
   the first .primary-toggle and the first .secondary-toggle in the page, which are hidden buttons of
   a header the book does not show; the buttons a reader sees pass their clicks on to them. A link
   followed from a drawer closes it, so a jump within the page lands in view. */
(function () {
  "use strict";
  ["primary-toggle", "secondary-toggle"].forEach(function (name) {
    var first = document.querySelector("." + name);
    if (!first) {
      return;
    }
    document.querySelectorAll("." + name).forEach(function (button) {
      if (button === first) {
        return;
      }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        first.click();
      });
    });
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("dialog a[href]");
    var dialog = link && link.closest("dialog");
    if (dialog && dialog.open) {
      dialog.close();
    }
  });
  // A link to a section whose detail is folded (the summary of findings) opens the fold it lands
  // on, so the reader sees what the link promised.
  function openFoldsAtTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) {
      return;
    }
    var section = target.closest("section") || target;
    section.querySelectorAll("details.open-on-link").forEach(function (fold) {
      if (fold.closest("section") === section) {
        fold.open = true;
      }
    });
  }
  window.addEventListener("hashchange", openFoldsAtTarget);
  openFoldsAtTarget();
})();
