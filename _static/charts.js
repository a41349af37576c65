/* Each chart arrives in the page as a static SVG drawn at build time, with its Vega-Lite
   specification beside it. Once the page has loaded, this script fetches the Vega bundle (so
   its 280 kB never compete with the page's own text and charts on a slow connection), and each
   chart is drawn again by Vega from its specification, for tooltips and for the controls of the
   pharmacokinetic explorer; the live drawing replaces the static one when it is ready. A chart
   drawn in two layouts (a phone's and a wider one) is redrawn in the layout the page shows, and
   in the other when a turned or resized screen shows that one. */
(function () {
  "use strict";
  var bundle = document.currentScript.src.replace(/charts\.js(\?.*)?$/, "vendor/vega-bundle.js");
  var started = {};
  function upgrade() {
    if (typeof vegaEmbed !== "function") {
      return; /* no Vega: the static charts stay, complete but without tooltips */
    }
    document.querySelectorAll("script.evidence-chart-spec").forEach(function (script) {
      var chart = document.getElementById(script.dataset.chart);
      if (!chart || started[chart.id] || getComputedStyle(chart).display === "none") {
        return;
      }
      started[chart.id] = true;
      var live = document.createElement("div");
      live.hidden = true;
      chart.appendChild(live);
      vegaEmbed(live, JSON.parse(script.textContent), { actions: false, renderer: "svg" })
        .then(function () {
          Array.prototype.slice.call(chart.children).forEach(function (child) {
            if (child !== live) {
              chart.removeChild(child);
            }
          });
          live.hidden = false;
          chart.classList.add("evidence-chart-live");
        })
        .catch(function (error) {
          live.remove();
          console.error("chart " + chart.id + " could not be drawn interactively: " + error);
        });
    });
  }
  function loadVega() {
    if (window.matchMedia && window.matchMedia("print").matches) {
      return; /* printing: paper shows the static drawings */
    }
    var script = document.createElement("script");
    script.src = bundle;
    script.onload = function () {
      upgrade();
      window.addEventListener("resize", upgrade);
    };
    script.onerror = function () {
      console.error("the Vega bundle could not be loaded: the charts stay static");
    };
    document.head.appendChild(script);
  }
  if (document.readyState === "complete") {
    loadVega();
  } else {
    window.addEventListener("load", loadVega);
  }
})();
