"""Data files of the synthetic grounding generator: word lists, icons, themes,
instruction templates, the page stylesheet and the in-page measuring scripts."""
