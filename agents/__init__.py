"""Agents: who takes the routed calls, and how they prove who they are."""
