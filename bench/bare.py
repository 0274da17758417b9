"""The yardsticks the router is measured against, served by the same gunicorn settings.

* `/twiml`: a bare Flask endpoint returning a fixed TwiML document (the issue's yardstick).
* `/floor`: only what every signed webhook must do on this stack, and nothing of the
  router's own: Flask parses Twilio's form, the twilio library checks the signature
  over the exact URL, redis-py reads the call's hash and writes it back with its
  expiry (two round trips), and the twilio library builds a two-sentence answer.
  What the router spends above the floor is its own logic; below it, nothing can go
  without leaving Flask, redis-py or the twilio library.
"""
from __future__ import annotations

import os

import redis
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Amy" language="en-GB">'
         "Thank you. Connecting you to technical support.</Say><Enqueue>technical.en.B</Enqueue></Response>")

app = Flask(__name__)
_validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"), decode_responses=True)
_public = os.environ.get("PUBLIC_BASE_URL", "")


@app.post("/twiml")
def twiml() -> Response:
    return Response(TWIML, mimetype="text/xml")


@app.post("/floor")
def floor() -> Response:
    form = request.form
    if _validator.compute_signature(_public + request.full_path.rstrip("?"), form) != request.headers.get("X-Twilio-Signature"):
        return Response("invalid Twilio signature\n", status=403)
    key = "floor:" + form.get("CallSid", "")
    _redis.pipeline(transaction=False).hgetall(key).execute()
    _redis.pipeline().hset(key, mapping={"step": form.get("Digits", "")}).expire(key, 60).execute()
    response = VoiceResponse()
    response.say("For technical support, press 1. For billing and subscriptions, press 2.", voice="Polly.Amy", language="en-GB")
    response.say("For sales, press 3. Or say what you need.", voice="Polly.Amy", language="en-GB")
    return Response(str(response), mimetype="text/xml")
