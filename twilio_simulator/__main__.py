"""`python -m twilio_simulator`: a scripted call against a running router (see `simulate.py`)."""
import sys

from twilio_simulator.simulate import main

sys.exit(main())
