// The agent console's live part: the router pushes it (server-sent events) when it changes, and only the
// nodes that differ are changed here, so keyboard focus stays where it is. New callers and callback
// requests are announced once in a polite live region; an ended session goes to the sign-in page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var announcer = document.getElementById("announcements");
  if (!live || !window.EventSource) { return; }

  function key(node) {
    return node.nodeType === 1 ? node.id || "" : "";
  }

  function sameKind(a, b) {
    return a && a.nodeType === b.nodeType && a.nodeName === b.nodeName && key(a) === key(b);
  }

  function syncAttributes(from, to) {
    var i, attribute;
    for (i = from.attributes.length - 1; i >= 0; i--) {
      attribute = from.attributes[i];
      if (!to.hasAttribute(attribute.name)) { from.removeAttribute(attribute.name); }
    }
    for (i = 0; i < to.attributes.length; i++) {
      attribute = to.attributes[i];
      if (from.getAttribute(attribute.name) !== attribute.value) { from.setAttribute(attribute.name, attribute.value); }
    }
  }

  // Make `from` look like `to`, keeping every node that is already right (and so the focus inside it).
  function morph(from, to) {
    if (from.nodeType !== 1) {
      if (from.nodeValue !== to.nodeValue) { from.nodeValue = to.nodeValue; }
      return;
    }
    syncAttributes(from, to);
    var wanted = Array.prototype.slice.call(to.childNodes);
    for (var i = 0; i < wanted.length; i++) {
      var target = wanted[i], current = from.childNodes[i] || null, match = null;
      if (sameKind(current, target)) {
        match = current;
      } else if (key(target)) {
        for (var j = i + 1; j < from.childNodes.length; j++) {
          if (sameKind(from.childNodes[j], target)) { match = from.childNodes[j]; break; }
        }
      }
      if (match) {
        if (match !== current) { from.insertBefore(match, current); }
        morph(match, target);
      } else {
        from.insertBefore(document.importNode(target, true), current);
      }
    }
    while (from.childNodes.length > wanted.length) { from.removeChild(from.lastChild); }
  }

  function announced() {
    var seen = {};
    Array.prototype.forEach.call(live.querySelectorAll("[data-announce]"), function (row) { seen[row.id] = true; });
    return seen;
  }

  var seen = announced();

  function update(html) {
    var next = document.createElement("div");
    next.innerHTML = html;
    syncAttributes(next, live);  // keep the container's own attributes
    morph(live, next);
    var news = [];
    Array.prototype.forEach.call(live.querySelectorAll("[data-announce]"), function (row) {
      if (!seen[row.id]) { news.push(row.getAttribute("data-announce")); }
    });
    seen = announced();
    if (news.length && announcer) { announcer.textContent = news.join(" "); }
    live.dispatchEvent(new CustomEvent("live-updated"));  // the desk's controls follow (static/desk.js)
  }

  var source = new EventSource(live.getAttribute("data-stream"));
  source.addEventListener("live", function (message) { update(message.data); });
  source.addEventListener("signed-out", function (message) {
    source.close();
    window.location.assign(message.data || live.getAttribute("data-sign-in"));
  });
})();
