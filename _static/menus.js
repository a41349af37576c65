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
})();
