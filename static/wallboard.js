// The wallboard's figures refresh themselves: every few seconds the page fetches the figures alone and,
// if they changed, puts them in place of the old ones, then gives keyboard focus back to the control that
// had it (buttons carry ids). Nothing is announced: a wallboard changes constantly. A session that has
// ended sends the supervisor to sign-in. Without JavaScript, reloading the page does the same.
(function () {
  "use strict";
  var figures = document.getElementById("figures");
  if (!figures || !window.fetch) { return; }
  var url = figures.getAttribute("data-url");
  var signIn = figures.getAttribute("data-sign-in");
  var every = parseInt(figures.getAttribute("data-refresh"), 10) * 1000 || 5000;
  var last = null;

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        window.location.assign(signIn);
        return null;
      }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || html === last) { return; }
      last = html;
      var focused = document.activeElement && figures.contains(document.activeElement) ? document.activeElement.id : "";
      figures.innerHTML = html;
      if (focused) {
        var again = document.getElementById(focused);
        if (again) { again.focus(); }
      }
    }).catch(function () { /* the next refresh tries again */ });
  }

  window.setInterval(refresh, every);
})();
