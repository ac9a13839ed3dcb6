// armstrace report: draw the charts (Vega bundle beside this page) and make tables sortable.
(function () {
  "use strict";
  window.armstraceCharts = { drawn: 0, failed: 0, total: 0 };
  var holders = document.querySelectorAll("[data-spec]");
  window.armstraceCharts.total = holders.length;
  holders.forEach(function (holder) {
    var spec = JSON.parse(document.getElementById(holder.getAttribute("data-spec")).textContent);
    vegaEmbed(holder, spec, { actions: false, renderer: "svg" }).then(function () {
      window.armstraceCharts.drawn += 1;
    }).catch(function (error) {
      window.armstraceCharts.failed += 1;
      console.error("chart " + holder.id + ": " + error);
    });
  });

  function cellValue(row, index, numeric) {
    var cell = row.children[index];
    var raw = cell ? cell.getAttribute("data-v") : "";
    if (numeric) {
      var x = parseFloat(raw);
      return isNaN(x) ? -Infinity : x;
    }
    return (raw || "").toLowerCase();
  }

  document.querySelectorAll("table.sortable th").forEach(function (th, _i) {
    th.addEventListener("click", function () {
      var table = th.closest("table");
      var body = table.tBodies[0];
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.classList.contains("num");
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
