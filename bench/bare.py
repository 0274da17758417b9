"""The yardstick: a bare Flask endpoint returning a fixed TwiML document."""
from __future__ import annotations

from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Amy" language="en-GB">'
         "Thank you. Connecting you to technical support.</Say><Enqueue>technical.en.B</Enqueue></Response>")

app = Flask(__name__)


@app.post("/twiml")
def twiml() -> Response:
    return Response(TWIML, mimetype="text/xml")
