/* Search, filter and page the long tables. No network, no framework. A link such as
   report.html#q=smith&c=1&p=crm&k=email opens the identities already filtered. */
(function () {
  "use strict";
  var fromHash = new URLSearchParams(location.hash.replace(/^#/, ""));
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  each(document.querySelectorAll("[data-table]"), function (box) {
    var rows = Array.prototype.slice.call(box.querySelectorAll("tbody tr"));
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var size = parseInt(box.getAttribute("data-page-size"), 10) || 25;
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
      size = Math.max(5, Math.round(size / 2.5));  /* rows are cards on a phone: fewer per page */
    }
    var search = box.querySelector("input[type=search]");
    var filters = box.querySelectorAll("[data-filter]");
    var status = box.querySelector("[data-status]");
    var prev = box.querySelector("[data-prev]"), next = box.querySelector("[data-next]");
    var matched = [], page = 0;
    function apply() {
      var words = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
      matched = [];
      rows.forEach(function (row, i) {
        var ok = words.every(function (w) { return text[i].indexOf(w) >= 0; });
        each(filters, function (f) {
          var have = row.getAttribute("data-" + f.getAttribute("data-filter")) || "";
          if (!ok) { return; }
          if (f.type === "checkbox") { ok = !f.checked || have === "1"; }
          else if (f.value) { ok = (" " + have + " ").indexOf(" " + f.value + " ") >= 0; }
        });
        if (ok) { matched.push(i); }
      });
      page = 0;
      show();
    }
    function show() {
      var pages = Math.max(1, Math.ceil(matched.length / size));
      page = Math.max(0, Math.min(page, pages - 1));
      var from = page * size, to = Math.min(matched.length, from + size);
      rows.forEach(function (r) { r.hidden = true; });
      for (var j = from; j < to; j++) { rows[matched[j]].hidden = false; }
      var all = rows.length.toLocaleString("en");
      status.textContent = matched.length === 0 ? "nothing matches (of " + all + ")"
        : (from + 1).toLocaleString("en") + "\u2013" + to.toLocaleString("en") + " of "
          + matched.length.toLocaleString("en") + (matched.length < rows.length ? " matching (of " + all + ")" : "");
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    if (box.getAttribute("data-table") === "identities") {
      if (search && fromHash.get("q")) { search.value = fromHash.get("q"); }
      each(filters, function (f) {
        var v = fromHash.get(f.getAttribute("data-filter"));
        if (v === null) { return; }
        if (f.type === "checkbox") { f.checked = v === "1"; } else { f.value = v; }
      });
    }
    if (search) { search.addEventListener("input", apply); }
    each(filters, function (f) { f.addEventListener("change", apply); });
    prev.addEventListener("click", function () { page -= 1; show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    box.classList.add("js");
    apply();
  });
}());
