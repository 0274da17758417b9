// Refresh the live part of the agent console every few seconds.
(function () {
  var live = document.getElementById("live");
  if (!live) { return; }
  function refresh() {
    fetch(live.dataset.source, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } })
      .catch(function () {})
      .finally(function () { setTimeout(refresh, 3000); });
  }
  setTimeout(refresh, 3000);
})();
