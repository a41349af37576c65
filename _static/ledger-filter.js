// Filter the claims ledger's table by the values chosen in its controls (no network, no library).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("claims-ledger-filter");
  if (!box) { return; }
  var table = Array.prototype.find.call(document.querySelectorAll("table"), function (t) {
    return box.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING;
  });
  if (!table) { return; }
  var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-column]"));
  var status = box.querySelector("[data-role='status']");
  // A cell's words without the label it carries for a phone (its column's header).
  function cellText(cell) {
    var label = cell.querySelector(".cell-label");
    var text = cell.textContent;
    return (label ? text.slice(text.indexOf(label.textContent) + label.textContent.length) : text).trim();
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var keep = selects.every(function (select) {
        var index = headers.indexOf(select.getAttribute("data-column"));
        return !select.value || (index >= 0 && cellText(row.children[index]) === select.value);
      });
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    if (status) { status.textContent = shown + " of " + rows.length + " claims shown"; }
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  apply();
});
