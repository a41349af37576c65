/* A technical word links to the glossary, and the link carries the word's definition as its title
   (written at build time from the glossary page). A hover shows it; a tap or a click shows it in
   place, in a box under the word, with a link to the glossary entry: the reader does not leave the
   page. Escape, a tap elsewhere or the box's close button closes it. */
(function () {
  "use strict";
  var box = null;
  function close() {
    if (box) {
      var from = box.from;
      box.remove();
      box = null;
      if (from) {
        from.setAttribute("aria-expanded", "false");
      }
    }
  }
  function open(link) {
    close();
    box = document.createElement("div");
    box.className = "term-popover";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", link.textContent.trim());
    var text = document.createElement("p");
    text.textContent = link.getAttribute("title");
    var more = document.createElement("a");
    more.href = link.href;
    more.textContent = "In the glossary";
    var shut = document.createElement("button");
    shut.type = "button";
    shut.className = "term-popover-close";
    shut.setAttribute("aria-label", "Close");
    shut.textContent = "\u00d7";
    shut.addEventListener("click", close);
    box.appendChild(shut);
    box.appendChild(text);
    box.appendChild(more);
    box.from = link;
    link.setAttribute("aria-expanded", "true");
    document.body.appendChild(box);
    var rect = link.getBoundingClientRect();
    var width = Math.min(360, document.documentElement.clientWidth - 16);
    box.style.width = width + "px";
    var left = Math.max(8, Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    box.style.left = left + "px";
    box.style.top = rect.bottom + window.scrollY + 6 + "px";
    shut.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.glossary-term[title]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      if (box && box.from === link) {
        close();
      } else {
        open(link);
      }
      return;
    }
    if (box && !box.contains(event.target)) {
      close();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && box) {
      var from = box.from;
      close();
      if (from) {
        from.focus();
      }
    }
  });
})();
