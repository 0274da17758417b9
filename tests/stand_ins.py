"""Real local servers for what lies outside the router: an SMTP server
(aiosmtpd) and an HTTP stand-in for Twilio's Messages API."""
from __future__ import annotations

import base64
import json
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from tests.processes import free_port


class Arriving(list):
    """Messages as they arrive. A code's delivery finishes in the background when it outlasts the
    webhook's wait (DELIVERY_WAIT), so reading message `i` waits (a few seconds at most) for it to come."""

    WAIT_SECONDS = 10.0

    def __getitem__(self, index):
        if isinstance(index, int):
            deadline = time.monotonic() + self.WAIT_SECONDS
            while (len(self) <= index if index >= 0 else len(self) < -index) and time.monotonic() < deadline:
                time.sleep(0.02)
        return super().__getitem__(index)


class SmtpInbox:
    """A real SMTP server on 127.0.0.1 keeping every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = Arriving()
        self.running = False
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self) -> "SmtpInbox":
        self._controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self._controller.stop()
            self.running = False


class TwilioMessagesApi:
    """Answers POST /2010-04-01/Accounts/{Sid}/Messages.json as Twilio's contract says:
    401 without the account's Basic credentials, 400 without To, From and Body,
    201 with a Message resource otherwise. `fail_with` makes it answer an error."""

    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent: list[dict[str, str]] = []
        self.fail_with: int | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = stand_in.answer(self.path, self.headers.get("Authorization", ""), form)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def answer(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if self.fail_with:
            return self.fail_with, {"code": 30003, "message": "Unreachable destination handset", "status": self.fail_with}
        missing = [name for name in ("To", "From", "Body") if not form.get(name)]
        if missing:
            return 400, {"code": 21604, "message": f"A '{missing[0]}' parameter is required.", "status": 400}
        self.sent.append(form)
        sid = f"SM{len(self.sent):032x}"
        return 201, {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"],
                     "body": form["Body"], "status": "queued", "num_segments": "1", "direction": "outbound-api",
                     "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}

    def start(self) -> "TwilioMessagesApi":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
