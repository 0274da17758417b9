"""After start-up, before the first caller: load what libraries load lazily, and freeze
what start-up made, so that no caller waits on either.

phonenumbers reads each country's metadata the first time it meets a number from
there (tens of milliseconds, in the middle of someone's call); loading all of it
at start costs under 0.1 s once. The process then holds close to a million
long-lived objects (metadata, holidays, catalogues, the country table), and every
full garbage collection walks all of them: about 50 ms, landing on whichever
webhook happens to trigger it. `gc.freeze()` moves them out of the collector's
sight; they live as long as the process anyway.
"""
from __future__ import annotations

import gc

from phonenumbers import PhoneMetadata


def settle() -> None:
    PhoneMetadata.load_all()
    gc.collect()
    gc.freeze()
