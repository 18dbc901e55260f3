// Keyboard triage for the review queue and confirm-before-submit for bulk actions.
// No inline scripts anywhere (the Content-Security-Policy forbids them): everything hangs off
// data- attributes in the server-rendered pages.
(function () {
  "use strict";

  function typing(event) {
    var tag = (event.target && event.target.tagName) || "";
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.target.isContentEditable;
  }

  function setupQueue(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]"));
    var current = -1;
    function select(index) {
      if (!rows.length) return;
      if (current >= 0) rows[current].classList.remove("selected");
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add("selected");
      rows[current].scrollIntoView({ block: "nearest" });
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        rows.forEach(function (row) { row.querySelector("input[type=checkbox]").checked = all.checked; });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      var row = current >= 0 ? rows[current] : null;
      switch (event.key) {
        case "j": select(current + 1); break;
        case "k": select(current - 1); break;
        case "o": case "Enter": if (row) window.location.href = row.dataset.href; break;
        case "x": if (row) { var box = row.querySelector("input[type=checkbox]"); box.checked = !box.checked; } break;
        case "c":
          if (row) {
            var quick = document.getElementById("quick");
            quick.querySelector("input[name=listing_ids]").value = row.dataset.id;
            quick.submit();
          }
          break;
        case "d": if (row) window.location.href = row.dataset.href + "#dismiss-form"; break;
        default: return;
      }
      event.preventDefault();
    });
  }

  function setupListing() {
    var dismiss = document.getElementById("dismiss-form");
    if (dismiss && window.location.hash === "#dismiss-form") dismiss.querySelector("select").focus();
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "c") {
        var confirm = document.querySelector("button[data-key=c]");
        if (confirm) { confirm.form.submit(); event.preventDefault(); }
      } else if (event.key === "d" && dismiss) {
        dismiss.querySelector("select").focus(); event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table[data-shortcuts=queue]");
    if (table) setupQueue(table); else setupListing();
    var bulk = document.getElementById("bulk");
    if (bulk) {
      bulk.addEventListener("submit", function (event) {
        var n = bulk.querySelectorAll("input[name=listing_ids]:checked").length;
        if (!n) { event.preventDefault(); window.alert("Select at least one listing."); }
      });
    }
  });
})();
