// The console's browser phone: Twilio's Voice JavaScript SDK (static/vendor/twilio-voice/, served as it is)
// registers a Device with a short-lived token from the router, fetched again before it expires. An offered
// call rings here as the SDK's "incoming" event; the agent accepts or rejects it, then mutes or hangs up.
// https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice
(function () {
  "use strict";
  var phone = document.getElementById("softphone");
  if (!phone || !window.Twilio || !window.Twilio.Device) { return; }
  var status = document.getElementById("softphone-status");
  var offer = document.getElementById("softphone-offer");
  var controls = document.getElementById("softphone-call");
  var call = null;

  function say(text) { status.textContent = text; }
  function show(element, shown) { element.hidden = !shown; }
  function button(name) { return phone.querySelector('[data-action="' + name + '"]'); }

  function token() {
    return fetch(phone.getAttribute("data-token-url"), { credentials: "same-origin" }).then(function (response) {
      if (response.status === 401) { window.location.assign(phone.getAttribute("data-sign-in")); }
      if (!response.ok) { throw new Error("no token"); }
      return response.json();
    }).then(function (body) { return body.token; });
  }

  function idle() {
    call = null;
    show(offer, false);
    show(controls, false);
    button("mute").setAttribute("aria-pressed", "false");
  }

  token().then(function (jwt) {
    var device = new window.Twilio.Device(jwt, { tokenRefreshMs: 60000, closeProtection: true });
    device.on("registered", function () { say("Browser phone ready: offered calls ring here."); });
    device.on("unregistered", function () { say("Browser phone not registered."); });
    device.on("error", function (error) { say("Browser phone error: " + (error && error.message ? error.message : "unknown")); });
    device.on("tokenWillExpire", function () {
      token().then(function (fresh) { device.updateToken(fresh); }).catch(function () { say("Could not renew the browser phone's token."); });
    });
    device.on("incoming", function (incoming) {
      call = incoming;
      say("A call is ringing in your browser.");
      show(offer, true);
      button("accept").focus();
      incoming.on("accept", function () { show(offer, false); show(controls, true); say("On a call in your browser."); button("hangup").focus(); });
      incoming.on("cancel", function () { idle(); say("The offered call was withdrawn."); });
      incoming.on("reject", function () { idle(); say("You rejected the call."); });
      incoming.on("disconnect", function () { idle(); say("The call has ended."); });
    });
    device.register();
  }).catch(function () { say("The browser phone could not start; calls ring on your phone instead."); });

  button("accept").addEventListener("click", function () { if (call) { call.accept(); } });
  button("reject").addEventListener("click", function () { if (call) { call.reject(); } });
  button("hangup").addEventListener("click", function () { if (call) { call.disconnect(); } });
  button("mute").addEventListener("click", function () {
    if (!call) { return; }
    var muted = !call.isMuted();
    call.mute(muted);
    this.setAttribute("aria-pressed", muted ? "true" : "false");
    say(muted ? "Muted: the caller cannot hear you." : "Unmuted.");
  });
})();
