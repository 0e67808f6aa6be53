/* Draws every chart on the page from the figure JSON placed by `json_script`
   (no inline scripts: the CSP forbids them). Each chart's data table stays in the page as the
   accessible alternative. */
(function () {
  "use strict";
  // No mode bar: its buttons would be controls inside an image (the chart is one picture for
  // assistive technology, labelled with its summary; the data table beside it is the way in).
  var config = { displayModeBar: false, responsive: true };
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-figure]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout, config).then(function () {
        target.setAttribute("data-rendered", "true");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
