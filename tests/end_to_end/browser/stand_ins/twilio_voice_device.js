// A stand-in for @twilio/voice-sdk's Device at the SDK's boundary, served in place of
// static/vendor/twilio-voice/twilio.min.js. It emits the SDK's own events with the SDK's
// arguments (https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice,
// https://www.twilio.com/docs/voice/sdks/javascript/twiliocall): "registered" after register(),
// "tokenWillExpire", and "incoming" with a Call whose accept(), reject(), mute() and disconnect()
// emit "accept", "reject", "mute" and "disconnect". Tests drive it through window.standIn.
(function () {
  "use strict";
  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (name, handler) { (this.handlers[name] = this.handlers[name] || []).push(handler); return this; };
  Emitter.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.handlers[name] || []).forEach(function (handler) { handler.apply(null, args); });
  };

  function Call(parameters) {
    Emitter.call(this);
    this.parameters = parameters;
    this.muted = false;
    this.status_ = "pending";
  }
  Call.prototype = Object.create(Emitter.prototype);
  Call.prototype.status = function () { return this.status_; };
  Call.prototype.accept = function () { this.status_ = "open"; standIn.log.push("accept"); this.emit("accept", this); };
  Call.prototype.reject = function () { this.status_ = "closed"; standIn.log.push("reject"); this.emit("reject"); };
  Call.prototype.disconnect = function () { this.status_ = "closed"; standIn.log.push("disconnect"); this.emit("disconnect", this); };
  Call.prototype.isMuted = function () { return this.muted; };
  Call.prototype.mute = function (muted) {
    this.muted = muted !== false;
    standIn.log.push(this.muted ? "mute" : "unmute");
    this.emit("mute", this.muted, this);
  };

  function Device(token, options) {
    Emitter.call(this);
    this.token = token;
    this.options = options || {};
    standIn.devices.push(this);
  }
  Device.prototype = Object.create(Emitter.prototype);
  Device.prototype.register = function () {
    var device = this;
    standIn.log.push("register");
    return Promise.resolve().then(function () { device.state = "registered"; device.emit("registered"); });
  };
  Device.prototype.updateToken = function (token) { this.token = token; standIn.log.push("updateToken"); };

  var standIn = {
    devices: [], log: [], calls: [],
    ring: function (parameters) {  // what Twilio does when a call to client:<identity> reaches this Device
      var call = new Call(parameters || {});
      standIn.calls.push(call);
      standIn.devices[standIn.devices.length - 1].emit("incoming", call);
      return call;
    },
    hangUp: function () { standIn.calls[standIn.calls.length - 1].emit("disconnect", standIn.calls[standIn.calls.length - 1]); },
    expireSoon: function () { standIn.devices[standIn.devices.length - 1].emit("tokenWillExpire", standIn.devices[0]); }
  };
  window.standIn = standIn;
  window.Twilio = { Device: Device };
})();
