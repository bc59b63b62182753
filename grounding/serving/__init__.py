"""Serving the grounding and planner models: launch profiles and KV-cache efficiency (ThinK)."""
