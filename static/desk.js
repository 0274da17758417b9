// The agent desktop's controls: the state switch, the in-call bar (hold, transfer, end), the wrap-up with its
// countdown, and the code check for the call. What to show follows the desk the router pushes in the live part
// (#desk, kept current by console.js); each action goes to the console's JSON API (/console/api) with the
// session's CSRF token, and says its outcome in a status line beside it.
(function () {
  "use strict";
  var controls = document.getElementById("desk-controls");
  var live = document.getElementById("live");
  if (!controls || !live || !window.fetch) { return; }
  var api = controls.getAttribute("data-api");
  var csrf = controls.getAttribute("data-csrf");
  var self = controls.getAttribute("data-self");
  // The router's clock, not the browser's: times in state and the countdown are counted from it.
  var skew = parseFloat(controls.getAttribute("data-server-now")) * 1000 - Date.now();
  var inCall = document.getElementById("in-call");
  var wrapUp = document.getElementById("wrap-up");
  var verify = document.getElementById("call-verify");
  var holdButton = controls.querySelector('[data-desk="hold"]');
  var shownCall = "";
  var verifying = false;  // once the call needed verifying, the step stays shown for it (its result too)

  function $(id) { return document.getElementById(id); }
  function say(id, text) { $(id).textContent = text; }
  function desk() { return $("desk"); }
  function data(name) { var d = desk(); return d ? d.getAttribute("data-" + name) || "" : ""; }
  function serverNow() { return (Date.now() + skew) / 1000; }

  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      if (response.status === 401) { window.location.assign(controls.getAttribute("data-sign-in")); }
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, status: response.status, body: json };
      });
    });
  }

  function problem(result) {
    var body = result.body || {};
    if (body.error) { return body.error; }
    if (body.errors) { return Object.keys(body.errors).map(function (k) { return body.errors[k]; }).join("; "); }
    return "the router did not take it (" + result.status + ")";
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    return (minutes ? minutes + " min " : "") + rest + " s";
  }

  function tick() {
    Array.prototype.forEach.call(live.querySelectorAll(".time-in-state[data-since]"), function (node) {
      var text = duration(serverNow() - parseFloat(node.getAttribute("data-since")));
      if (node.textContent !== text) { node.textContent = text; }
    });
    var until = parseFloat(data("until"));
    if (until) { say("wrap-up-left", String(Math.max(0, Math.ceil(until - serverNow())))); }
  }

  // Show what the agent's state calls for: the in-call bar while busy, the wrap-up while in it.
  function follow() {
    var state = data("state"), call = data("call");
    inCall.hidden = state !== "busy" || !call;
    wrapUp.hidden = state !== "wrap-up" || !call;
    if (call !== shownCall) {  // a new call: its controls start afresh
      shownCall = call;
      verifying = false;
      var held = data("hold") === "yes";  // on hold before a reload stays on hold after it
      holdButton.setAttribute("aria-pressed", held ? "true" : "false");
      holdButton.textContent = held ? "Resume the caller" : "Hold the caller";
      $("verify-account").value = data("account");
      $("verify-send").hidden = true;
      $("verify-check").hidden = true;
      ["in-call-result", "verify-status", "wrap-up-result"].forEach(function (id) { say(id, ""); });
    }
    if (!inCall.hidden) { loadAgents(); }  // the roster may have changed: the picker follows it
    $("consult-bar").hidden = inCall.hidden || !data("consult");
    say("consult-who", data("consult") ? "Consulting " + data("consult") + "; the caller is on hold." : "");
    verifying = verifying || data("verify") === "yes";
    verify.hidden = inCall.hidden || !verifying;
    tick();
  }

  function loadAgents() {
    return request("GET", "/agents").then(function (result) {
      if (!result.ok) { return; }
      var select = $("transfer-agent"), chosen = select.value;
      var others = result.body.agents.filter(function (a) { return a.agent_id !== self; });
      others.sort(function (a, b) { return (a.state === "available" ? 0 : 1) - (b.state === "available" ? 0 : 1); });
      var words = others.map(function (a) {
        return a.name + " (" + a.agent_id + "), " + a.state + ": " + a.queues.join(", ") + " in " + a.languages.join(", ");
      });
      var shown = Array.prototype.map.call(select.options, function (option) { return option.textContent; });
      if (words.join("\n") === shown.join("\n")) { return; }  // unchanged: the picker is left as the agent has it
      select.textContent = "";
      others.forEach(function (a, i) {
        var option = document.createElement("option");
        option.value = a.agent_id;
        option.textContent = words[i];
        select.appendChild(option);
      });
      if (chosen) { select.value = chosen; }
    });
  }

  function checked(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  $("state-switch").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = this;
    request("PUT", "/state", { state: checked(form, "state"), ring: checked(form, "ring") }).then(function (result) {
      say("state-result", result.ok ? "You are " + result.body.state + "." : "Not changed: " + problem(result));
    });
  });

  holdButton.addEventListener("click", function () {
    var on = holdButton.getAttribute("aria-pressed") !== "true";
    request("POST", "/calls/" + shownCall + "/hold", { hold: on }).then(function (result) {
      if (!result.ok) { say("in-call-result", "Hold failed: " + problem(result)); return; }
      holdButton.setAttribute("aria-pressed", on ? "true" : "false");
      holdButton.textContent = on ? "Resume the caller" : "Hold the caller";
      say("in-call-result", on ? "The caller is on hold, hearing music." : "The caller is back with you.");
    });
  });

  controls.querySelector('[data-desk="end"]').addEventListener("click", function () {
    request("POST", "/calls/" + shownCall + "/end").then(function (result) {
      say("in-call-result", result.ok ? "The call is ended." : "Could not end the call: " + problem(result));
    });
  });

  $("transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    var warm = event.submitter && event.submitter.value === "warm";
    var body = { reason: $("transfer-reason").value };
    if (checked(this, "target") === "agent") {
      if (!$("transfer-agent").value) { say("in-call-result", "No other agent to transfer to."); return; }
      body.agent = $("transfer-agent").value;
    } else {
      body.queue = $("transfer-queue").value;
    }
    if (warm) {
      request("POST", "/calls/" + shownCall + "/consult", body).then(function (result) {
        say("in-call-result", result.ok ? "The caller is on hold; calling agent " + result.body.consulting + " into the call."
          : "Could not consult: " + problem(result));
      });
      return;
    }
    request("POST", "/calls/" + shownCall + "/transfer", body).then(function (result) {
      say("in-call-result", result.ok ? "Transferred to " + (result.body.transferred_to || "agent " + result.body.transferred_to_agent) + "."
        : "Not transferred: " + problem(result));
    });
  });

  controls.querySelector('[data-desk="complete"]').addEventListener("click", function () {
    request("POST", "/calls/" + shownCall + "/consult/complete").then(function (result) {
      say("in-call-result", result.ok ? "Transferred: the caller stays with agent " + result.body.transferred_to_agent + "."
        : "Not completed: " + problem(result));
    });
  });

  controls.querySelector('[data-desk="cancel"]').addEventListener("click", function () {
    request("POST", "/calls/" + shownCall + "/consult/cancel").then(function (result) {
      say("in-call-result", result.ok ? "Consult cancelled: the caller is back with you." : "Not cancelled: " + problem(result));
    });
  });

  wrapUp.addEventListener("submit", function (event) {
    event.preventDefault();
    request("POST", "/calls/" + shownCall + "/wrap-up", { disposition: checked(wrapUp, "disposition") }).then(function (result) {
      say("wrap-up-result", result.ok ? "Recorded as " + result.body.disposition + "; you are " + result.body.state + "."
        : "Not recorded: " + problem(result));
    });
  });

  $("verify-find").addEventListener("submit", function (event) {
    event.preventDefault();
    var account = $("verify-account").value.trim();
    request("GET", "/orgs/" + encodeURIComponent(account) + "/contacts").then(function (result) {
      var box = $("verify-contacts");
      box.textContent = "";
      if (!result.ok) { say("verify-status", "No organisation has account number " + account + "."); $("verify-send").hidden = true; return; }
      result.body.contacts.forEach(function (contact, i) {
        var label = document.createElement("label"), input = document.createElement("input");
        label.className = "choice";
        input.type = "radio";
        input.name = "contact";
        input.value = String(contact.index);
        input.checked = i === 0;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + (contact.channel === "sms" ? "text message to " : "e-mail to ") + contact.destination));
        box.appendChild(label);
      });
      $("verify-send").hidden = false;
      say("verify-status", result.body.contacts.length + " registered contacts: pick where the code goes.");
    });
  });

  $("verify-send").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { account_number: $("verify-account").value.trim(), contact: parseInt(checked(this, "contact"), 10),
                 call_sid: shownCall, language: data("locale") };
    request("POST", "/verification/send", body).then(function (result) {
      if (result.ok) { $("verify-check").hidden = false; $("verify-code").focus(); }
      say("verify-status", result.status === 200 ? "Code sent to " + result.body.destination + ". Ask the caller to read it out."
        : result.status === 202 ? "The code is on its way to " + result.body.destination + "."
        : "The code was not sent: " + problem(result));
    });
  });

  var CHECKED = { verified: "Verified: the call is marked verified, and you may access the organisation's account.",
                  wrong: "Wrong code; the caller may try again.", locked: "Wrong too many times; send a new code.",
                  expired: "That code has expired; send a new one.", unknown: "No live code for that account; send one." };

  $("verify-check").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { account_number: $("verify-account").value.trim(), code: $("verify-code").value.trim(), call_sid: shownCall };
    request("POST", "/verification/check", body).then(function (result) {
      say("verify-status", result.ok ? CHECKED[result.body.result] || result.body.result : "Not checked: " + problem(result));
    });
  });

  live.addEventListener("live-updated", follow);
  follow();
  window.setInterval(tick, 1000);
})();
