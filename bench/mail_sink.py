"""The benchmark's mail server: real SMTP in a process of its own (as a real one would
be), keeping the newest message to each recipient as a file the driver reads the code from.

    python -m bench.mail_sink PORT FOLDER
"""
from __future__ import annotations

import os
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class NewestPerRecipient:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        body = message_from_bytes(envelope.content, policy=policy.default).get_content()
        for recipient in envelope.rcpt_tos:
            partial = self.folder / f".{recipient}.partial"
            partial.write_text(body)
            os.replace(partial, self.folder / recipient)  # the driver never reads half a message
        return "250 OK"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(NewestPerRecipient(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()  # until the driver terminates this process


if __name__ == "__main__":
    main()
