"""`agent bench report`: one offline HTML page and a JSON over one or more benchmark runs."""
