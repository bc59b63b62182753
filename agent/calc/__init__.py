"""LibreOffice Calc through UNO: the `set_cell_values` action's desktop side."""
