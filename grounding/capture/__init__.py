"""A grounding set from real applications (`agent grounding capture`): scenes.py says
which application states are opened, documents.py writes the files they open, run.py
captures screen and accessibility tree on an osworld desktop, derive.py turns a tree
into items with exact boxes in the OSWorld-G categories (wordings in data/)."""
