"""`python -m twilio_simulator`: call the IVR from a terminal, as Twilio would.

For developers without a Twilio account: the locally running router answers,
the player plays its TwiML verb by verb, and each line printed is something the
caller hears or does. Requests are signed with the same token the router checks.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path
from typing import Callable, TextIO

from runtime.settings import Settings
from twilio_simulator.call_transcript import DeliveredCode
from twilio_simulator.twilio_player import (
    CallPlayer,
    Event,
    http_transport,
    parse_answer,
)

ENDINGS = {
    "hangup": "call ended",
    "queued": "the caller is waiting in queue {queue}",
    "dialed": "the call was handed to the dialled party",
    "error": "the call failed: Twilio would have played its application error",
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        parser.error(f"environment: {exc}")
    token = args.token or settings.twilio_auth_token or _development_token(settings.dev_token_file)
    if not token:
        print(
            "no auth token: pass --token, set TWILIO_AUTH_TOKEN, or start the router once (python app.py)"
            f" so that it writes {settings.dev_token_file}",
            file=sys.stderr,
        )
        return 2
    # Behind a tunnel the router checks signatures against PUBLIC_BASE_URL, so call through it.
    url = args.url or settings.public_base_url or f"http://127.0.0.1:{settings.port}"
    inbox = None
    try:
        if args.code_from.startswith("smtp:"):
            inbox = SmtpCatcher(args.code_from.removeprefix("smtp:"))
            newest = inbox.newest
        else:
            newest = _outbox_reader(url, args.admin_token or settings.admin_token
                                    or _development_token(settings.dev_admin_token_file))
        answers = _answers(args.keys, newest) if args.keys is not None else _Prompter(sys.stdin)
        player = CallPlayer(
            transport=http_transport(),
            auth_token=token,
            base_url=url,
            to=args.to,
            from_=args.from_,
            answers=answers,
            hold_cycles=args.hold_cycles,
            stay=args.stay is not None,
            on_event=_show,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for item in answers if isinstance(answers, list) else ():
        if isinstance(item, DeliveredCode):
            item.start()
    try:
        transcript = player.play()
        if args.stay is not None and player.leg is not None and not player.leg.ended:
            print(f"— the caller is waiting in queue {transcript.queue}; Ctrl-C hangs up", flush=True)
            _keep_waiting(player, args.stay)
    finally:
        if inbox is not None:
            inbox.stop()
    queue = transcript.queue or "(chosen by the TaskRouter workflow)"
    print("— " + ENDINGS[transcript.outcome].format(queue=queue))
    return 1 if transcript.outcome == "error" or transcript.errors else 0


def _keep_waiting(player: CallPlayer, seconds: float) -> None:
    """Real time from here: Twilio requests the waitUrl each time it ends, until the caller hangs up."""
    board, leg = player.switchboard, player.leg
    deadline = board.now + seconds
    try:
        while not leg.ended:
            due = min(board.engine.next_due(), deadline)
            if due == float("inf"):  # endless hold music: nothing happens until Ctrl-C
                time.sleep(3600)
                continue
            time.sleep(max(0.0, due - board.now))
            if due >= deadline:
                break
            board.engine.step()
    except KeyboardInterrupt:
        print()
    if not leg.ended:
        board.hang_up(leg)


def _answers(keys: str, newest: Callable[[], list[str]]) -> list:
    """--keys items; `code` (or `code#`) keys the newest code delivered since the call began."""
    answers = []
    for item in (key.strip() for key in keys.split(",")):
        if item.startswith("code"):
            if item.removeprefix("code") not in ("", "#"):
                raise ValueError(f"{item!r}: write code or code#")
            answers.append(DeliveredCode(newest, item.removeprefix("code")))
        else:
            answers.append(item)
    return answers


def _outbox_reader(url: str, admin_token: str) -> Callable[[], list[str]]:
    """Texts of the router's development outbox, newest first (GET /admin/api/outbox)."""

    def newest() -> list[str]:
        if not admin_token:
            raise SystemExit("no admin token to read the outbox: set ADMIN_TOKEN or start the router once")
        request = urllib.request.Request(url.rstrip("/") + "/admin/api/outbox",
                                         headers={"Authorization": f"Bearer {admin_token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return [message["body"] for message in json.load(response)["messages"]]

    return newest


class SmtpCatcher:
    """An SMTP server of the simulator's own (point SMTP_HOST/SMTP_PORT at it) keeping what arrives."""

    def __init__(self, address: str):
        from aiosmtpd.controller import Controller

        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--code-from smtp:HOST:PORT, got smtp:{address}")
        self._texts: list[str] = []
        self._controller = Controller(self, hostname=host, port=int(port))
        self._controller.start()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(("plain",))
        self._texts.insert(0, body.get_content() if body is not None else "")
        return "250 OK"

    def newest(self) -> list[str]:
        return list(self._texts)

    def stop(self) -> None:
        self._controller.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m twilio_simulator",
        description="Place a simulated Twilio call against the router and print what the caller hears.",
    )
    parser.add_argument("--to", required=True, help="the support number dialled, E.164 (+46201605899)")
    parser.add_argument(
        "--from", dest="from_", metavar="FROM", required=True, help="the caller's number, E.164 (+46701234567)"
    )
    parser.add_argument(
        "--keys",
        help="answers to the menus in order, comma-separated: 2,1 or say:billing; an empty item is silence;"
        " code keys the code just sent. Without --keys you are asked at each menu.",
    )
    parser.add_argument("--url", help="the router's base URL (default: PUBLIC_BASE_URL, else http://127.0.0.1:$PORT)")
    parser.add_argument("--token", help="auth token to sign with (default: TWILIO_AUTH_TOKEN, else the dev token file)")
    parser.add_argument("--hold-cycles", type=int, default=1,
                        help="passes of the queue's hold document the caller listens to before hanging up")
    parser.add_argument("--stay", nargs="?", type=float, const=float("inf"), default=None, metavar="SECONDS",
                        help="the caller stays in the queue, hold passes in real time, until Ctrl-C"
                        " (or for SECONDS), then hangs up")
    parser.add_argument("--code-from", default="outbox", metavar="outbox|smtp:HOST:PORT",
                        help="where the answer `code` in --keys reads the code sent: the router's outbox (default),"
                        " or an SMTP server the simulator runs (set the router's SMTP_HOST/SMTP_PORT to it)")
    parser.add_argument("--admin-token", help="bearer token to read the outbox (default: ADMIN_TOKEN, else the dev file)")
    return parser


def _development_token(path: Path) -> str:
    """The token the router wrote for itself; read only, never created here."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


class _Prompter:
    """Asks the person at the terminal at each <Gather>; end of input is silence from then on."""

    def __init__(self, lines: TextIO):
        self._lines = lines
        self._open = True

    def __call__(self, gather: Event) -> str:
        while self._open:
            print("   your answer (keys, say:<words>, empty for silence)> ", end="", flush=True)
            line = self._lines.readline()
            if not line:
                self._open = False
                print()
                break
            try:
                parse_answer(line.strip())
            except ValueError as exc:
                print(f"   {exc}")
                continue
            return line.strip()
        return ""


def _show(event: Event) -> None:
    line = describe(event)
    if line is not None:
        print(line, flush=True)


def describe(event: Event) -> str | None:
    """One line for what the caller hears or does; None for what only the server sees."""
    attrs = event.attrs
    match event.kind:
        case "say":
            tags = " ".join(tag for tag in (attrs.get("language"), attrs.get("voice")) if tag)
            return f"🔊 {f'[{tags}] ' if tags else ''}{event.text}{_repeats(attrs['loop'])}"
        case "play":
            if not event.text:
                return f"🎵 tones {attrs['digits']}"
            return f"🎵 music {event.text}{_repeats(attrs['loop'])}"
        case "pause":
            return f"⏸ pause {attrs['length']}s"
        case "gather":
            return f"👂 {_expected(attrs)}"
        case "input":
            return _input(event)
        case "redirect":
            return f"→ redirect {event.text}"
        case "enqueue":
            task = f" with task {json.dumps(attrs['task'], ensure_ascii=False)}" if attrs["task"] else ""
            return f"☎ enqueued in {event.text or 'workflow ' + attrs['workflowSid']}{task}"
        case "leave":
            return f"← left queue {event.text}"
        case "dial":
            return f"☎ dialling {event.text}"
        case "connected":
            return f"☎ connected to {event.text}"
        case "conference":
            return f"☎ conference: {event.text}"
        case "hangup":
            return f"📴 {event.text}"
        case "error":
            return f"✖ protocol error: {event.text}"
    return None  # requests: the caller does not hear HTTP


def _repeats(loop: int) -> str:
    return {0: " (over and over)", 1: ""}.get(loop, f" (×{loop})")


def _expected(gather: dict) -> str:
    """What this <Gather> listens for, so that a person can answer it."""
    ways = []
    if "dtmf" in gather["input"]:
        count = gather["numDigits"]
        keys = f"press {count} key{'s' if count > 1 else ''}" if count else "press keys"
        ways.append(keys + (f" ({gather['finishOnKey']} ends input)" if gather["finishOnKey"] else ""))
    if "speech" in gather["input"]:
        ways.append("speak (say:<words>)")
    return " or ".join(ways) + f"; silence after {gather['timeout']}s"


def _input(event: Event) -> str:
    ignored = "" if event.attrs["accepted"] else " — Twilio hears no input"
    if event.attrs["kind"] == "dtmf":
        return f"⌨  you pressed {event.text}{ignored}"
    if event.attrs["kind"] == "speech":
        return f'🗣  you said "{event.text}"{ignored}'
    return "…  you stay silent"


if __name__ == "__main__":
    sys.exit(main())
