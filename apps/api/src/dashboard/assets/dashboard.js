// The dashboard's script (docs/dashboard.md): every page works without it; it draws the
// overview's chart with Chart.js (served by Kassa itself) and asks before a destructive
// button's form is sent.
(function () {
  'use strict';
  var data = document.getElementById('volume-data');
  var canvas = document.getElementById('volume-chart');
  if (data && canvas && window.Chart) {
    var volume = JSON.parse(data.textContent);
    new window.Chart(canvas, {
      type: 'bar',
      data: { labels: volume.days, datasets: volume.series.map(function (series) { return { label: series.label, data: series.values }; }) },
      options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    });
  }
  var forms = document.querySelectorAll('form[data-confirm]');
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', function (event) {
      if (!window.confirm(this.getAttribute('data-confirm'))) event.preventDefault();
    });
  }
})();
